import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { STRIPE_CONNECT_SECRET, stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';
import { recordedEvents, type StoredEntry } from '../functions/stripe-events/record-entries.js';

const T = 1_795_000_000;

let h: StripeHarness;
beforeAll(async () => {
  h = await stripeHarness();
});
afterAll(async () => h.stop());

/** Sends events of one PaymentIntent (and its charge), each `[type, created, object fields]`, in the order given. */
async function deliver(paymentIntentId: string, events: [string, number, Record<string, unknown>?][]): Promise<void> {
  for (const [type, created, object] of events) {
    const ids = type.startsWith('payment_intent.') ? { id: paymentIntentId } : { payment_intent: paymentIntentId };
    const response = await h.send(stripeEvent(type, { ...ids, ...object }, { created }));
    expect(response.statusCode).toBe(200);
  }
}

const transaction = (id: string) => h.records.get(id, 'transaction');

describe('a payment transaction (one per PaymentIntent)', () => {
  test('follows the payment through the connector vocabulary', async () => {
    const pi = uniqueId('pi');
    const seen: string[] = [];
    for (const [type, created] of [
      ['payment_intent.created', T],
      ['payment_intent.requires_action', T + 10],
      ['payment_intent.processing', T + 20],
      ['payment_intent.amount_capturable_updated', T + 30],
      ['charge.captured', T + 40],
    ] as const) {
      await deliver(pi, [[type, created]]);
      seen.push((await transaction(pi))!.status as string);
    }
    expect(seen).toEqual([
      'buyer_approval_pending',
      'buyer_approval_pending',
      'processing',
      'authorization_succeeded',
      'capture_succeeded',
    ]);
  });

  test('older events delivered after payment_intent.succeeded leave it capture_succeeded', async () => {
    const pi = uniqueId('pi');
    await deliver(pi, [
      ['payment_intent.succeeded', T + 60],
      ['payment_intent.processing', T + 40],
      ['payment_intent.created', T],
      ['charge.pending', T + 42],
    ]);

    const record = await transaction(pi);
    expect(record).toMatchObject({ status: 'capture_succeeded', lastEventCreated: T + 60 });
    // Every event is in its history; only the first moved it.
    expect(recordedEvents(record as { history?: StoredEntry[] }).map((entry) => [entry.type, entry.statusChanged])).toEqual([
      ['payment_intent.succeeded', true],
      ['payment_intent.processing', false],
      ['payment_intent.created', false],
      ['charge.pending', false],
    ]);
  });

  test('an event from the same second cannot move it back (payment_intent.created after succeeded)', async () => {
    const pi = uniqueId('pi');
    await deliver(pi, [
      ['payment_intent.succeeded', T],
      ['payment_intent.created', T],
    ]);

    expect(await transaction(pi)).toMatchObject({ status: 'capture_succeeded' });
  });

  test('a declined attempt is recorded, and the buyer’s later successful retry wins', async () => {
    const pi = uniqueId('pi');
    await deliver(pi, [['payment_intent.payment_failed', T + 55]]);
    expect(await transaction(pi)).toMatchObject({ status: 'authorization_declined', declineCode: 'insufficient_funds' });

    await deliver(pi, [['payment_intent.succeeded', T + 120]]);
    expect(await transaction(pi)).toMatchObject({ status: 'capture_succeeded' });
  });

  test('a newer event about an older, replaced charge does not move the payment back', async () => {
    const pi = uniqueId('pi');
    const declined = uniqueId('ch');
    const retried = uniqueId('ch');
    await deliver(pi, [
      ['charge.failed', T, { id: declined, created: T }],
      ['charge.succeeded', T + 10, { id: retried, created: T + 9 }],
      // Metadata edited on the declined charge, long after: a newer event, an older charge.
      ['charge.updated', T + 100, { id: declined, created: T, status: 'failed', captured: false }],
    ]);

    expect(await transaction(pi)).toMatchObject({ status: 'capture_succeeded', latestChargeId: retried });
  });

  test('a failure that is not the card’s is authorization_failed', async () => {
    const pi = uniqueId('pi');
    await deliver(pi, [
      [
        'payment_intent.payment_failed',
        T,
        { last_payment_error: { type: 'api_error', code: 'processing_error', message: 'An error occurred while processing.' } },
      ],
    ]);

    expect(await transaction(pi)).toMatchObject({ status: 'authorization_failed', failureCode: 'processing_error' });
  });

  test('a terminal status does not move, even on a newer event', async () => {
    const pi = uniqueId('pi');
    await deliver(pi, [
      ['payment_intent.canceled', T + 100],
      ['payment_intent.processing', T + 200],
    ]);

    expect(await transaction(pi)).toMatchObject({ status: 'authorization_voided' });
  });

  test('an uncaptured authorization that expires is voided', async () => {
    const pi = uniqueId('pi');
    await deliver(pi, [
      ['payment_intent.amount_capturable_updated', T],
      ['charge.expired', T + 7 * 86_400],
    ]);

    expect(await transaction(pi)).toMatchObject({ status: 'authorization_voided' });
  });

  test('a charge without a PaymentIntent is its own transaction', async () => {
    const chargeId = uniqueId('ch');
    await h.send(stripeEvent('charge.succeeded', { id: chargeId, payment_intent: null }, { created: T }));

    expect(await transaction(chargeId)).toMatchObject({ status: 'capture_succeeded', latestChargeId: chargeId });
  });

  test('a payment on a connected account keeps the account', async () => {
    const pi = uniqueId('pi');
    await h.send(stripeEvent('payment_intent.succeeded', { id: pi }, { created: T, account: 'acct_1SampleShop' }), {
      secrets: [STRIPE_CONNECT_SECRET],
    });

    expect(await transaction(pi)).toMatchObject({ status: 'capture_succeeded', account: 'acct_1SampleShop' });
  });
});

describe('refunds and disputes, kept beside the transaction', () => {
  test('a refund follows its own lifecycle and names its transaction; an older refund.created does not undo it', async () => {
    const pi = uniqueId('pi');
    const re = uniqueId('re');
    const refund = (type: string, created: number, status: string) =>
      h.send(stripeEvent(type, { id: re, payment_intent: pi, status }, { created }));
    await refund('refund.updated', T + 60, 'succeeded');
    await refund('refund.created', T, 'pending');

    expect(await h.records.get(re, 'refund')).toMatchObject({ status: 'succeeded', transactionId: pi, amount: 4999 });
  });

  test('a refund can fail after it succeeded, and then stays failed', async () => {
    const re = uniqueId('re');
    const send = (type: string, created: number, status: string) => h.send(stripeEvent(type, { id: re, status }, { created }));
    await send('refund.updated', T + 60, 'succeeded');
    await send('refund.failed', T + 3 * 86_400, 'failed');
    await send('charge.refund.updated', T + 4 * 86_400, 'succeeded');

    expect(await h.records.get(re, 'refund')).toMatchObject({ status: 'failed', failureReason: 'expired_or_canceled_card' });
  });

  test('charge.refunded keeps the transaction captured and records the amount refunded', async () => {
    const pi = uniqueId('pi');
    await deliver(pi, [
      ['payment_intent.succeeded', T],
      ['charge.refunded', T + 86_400, { amount_refunded: 1000 }],
    ]);

    expect(await transaction(pi)).toMatchObject({ status: 'capture_succeeded', amountRefunded: 1000 });
  });

  test('a dispute moves from needs_response to under_review to won, and an older update does not reopen it', async () => {
    const dp = uniqueId('dp');
    const pi = uniqueId('pi');
    const dispute = (type: string, created: number, status: string) =>
      h.send(stripeEvent(type, { id: dp, payment_intent: pi, status }, { created }));
    await dispute('charge.dispute.created', T, 'needs_response');
    await dispute('charge.dispute.closed', T + 40 * 86_400, 'won');
    await dispute('charge.dispute.updated', T + 2 * 86_400, 'under_review');

    expect(await h.records.get(dp, 'dispute')).toMatchObject({ status: 'won', transactionId: pi, reason: 'fraudulent' });
  });

  test('an early fraud warning is recorded against the transaction, newest event winning', async () => {
    const warning = uniqueId('issfr');
    const pi = uniqueId('pi');
    await h.send(
      stripeEvent('radar.early_fraud_warning.updated', { id: warning, payment_intent: pi, actionable: false }, { created: T + 10 }),
    );
    await h.send(stripeEvent('radar.early_fraud_warning.created', { id: warning, payment_intent: pi, actionable: true }, { created: T }));

    expect(await h.records.get(warning, 'early_fraud_warning')).toMatchObject({ status: 'not_actionable', transactionId: pi });
  });
});

describe('account.updated', () => {
  test('an older account.updated delivered late does not overwrite the newer payouts_enabled', async () => {
    const accountId = `acct_1${uniqueId('x').replace('_', '')}`;
    await h.recipients.put('grace@example.com', accountId, new Date());
    const update = (created: number, payoutsEnabled: boolean) =>
      h.send(stripeEvent('account.updated', { id: accountId, payouts_enabled: payoutsEnabled }, { created, account: accountId }), {
        secrets: [STRIPE_CONNECT_SECRET],
      });

    await update(T + 100, true);
    const late = await update(T + 50, false);

    expect(late.body.outcome).toBe('stale');
    expect(await h.recipients.get('grace@example.com')).toMatchObject({ payoutsEnabled: true, accountEventCreated: T + 100 });
  });
});

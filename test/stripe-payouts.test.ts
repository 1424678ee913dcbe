import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { LedgerItem } from '../functions/shared/ledger.js';
import { itemsByStatus } from '../functions/shared/status-index.js';
import {
  STRIPE_CONNECT_SECRET,
  seedCashOut,
  stripeEvent,
  stripeHarness,
  uniqueId,
  type StripeEventJson,
  type StripeHarness,
} from './support/stripe-events.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

const ACCOUNT = 'acct_1LocalSampleAda';
const T = 1_795_300_000;

let h: StripeHarness;
beforeAll(async () => {
  h = await stripeHarness();
});
afterAll(async () => h.stop());

/** A payout event for one cash-out, as Stripe sends it from the connected account. */
function payoutEvent(
  type: string,
  payoutId: string,
  cashOutId: string | undefined,
  created: number,
  object: Record<string, unknown> = {},
): StripeEventJson {
  return stripeEvent(
    type,
    { id: payoutId, metadata: cashOutId ? { cash_out_id: cashOutId } : {}, ...object },
    { created, account: ACCOUNT },
  );
}

const connect = { secrets: [STRIPE_CONNECT_SECRET] };

async function paidCashOut(overrides: Partial<Parameters<typeof seedCashOut>[1]> = {}) {
  const cashOutId = uniqueId('co');
  const payoutId = uniqueId('po');
  await seedCashOut(h.ledger, {
    cashOutId,
    status: 'pending',
    answerStatusCode: 200,
    stripeObjectId: payoutId,
    lastEventCreated: T,
    ...overrides,
  });
  return { cashOutId, payoutId };
}

describe('payout events move the cash-out ledger', () => {
  test('payout.paid moves a pending cash-out to paid', async () => {
    const { cashOutId, payoutId } = await paidCashOut();
    const event = payoutEvent('payout.paid', payoutId, cashOutId, T + 86_400);

    const response = await h.send(event, connect);

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ outcome: 'applied', detail: `ledger ${cashOutId}: pending → paid` });
    expect(await h.ledger.get(cashOutId)).toMatchObject({
      status: 'paid',
      lastEventCreated: T + 86_400,
      lastEventId: event.id,
      lastEventType: 'payout.paid',
      stripeObjectId: payoutId,
    });
  });

  test('a payout without the cash-out id in its metadata is matched by its payout id', async () => {
    const { cashOutId, payoutId } = await paidCashOut();
    await h.send(payoutEvent('payout.updated', payoutId, undefined, T + 60, { status: 'in_transit' }), connect);

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'in_transit' });
  });

  test('payout.paid followed by an older payout.updated (in_transit) leaves the cash-out paid', async () => {
    const { cashOutId, payoutId } = await paidCashOut();
    await h.send(payoutEvent('payout.paid', payoutId, cashOutId, T + 86_400), connect);

    const older = await h.send(payoutEvent('payout.updated', payoutId, cashOutId, T + 3_600, { status: 'in_transit' }), connect);

    expect(older.statusCode).toBe(200);
    expect(older.body.outcome).toBe('stale');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'paid', lastEventCreated: T + 86_400 });
  });

  test('a newer event cannot move a paid payout back to in_transit', async () => {
    const { cashOutId, payoutId } = await paidCashOut();
    await h.send(payoutEvent('payout.paid', payoutId, cashOutId, T + 100), connect);
    await h.send(payoutEvent('payout.updated', payoutId, cashOutId, T + 200, { status: 'in_transit' }), connect);

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'paid' });
  });

  test('failed is final: a later payout.paid does not revive it', async () => {
    // Answered 500 after Stripe's answer to the create call came (too late): the item is bound to its payout.
    const { cashOutId, payoutId } = await paidCashOut({ answerStatusCode: 500, status: 'unknown', lastEventCreated: undefined });
    await h.send(
      payoutEvent('payout.failed', payoutId, cashOutId, T + 100, {
        status: 'failed',
        failure_code: 'no_account',
        failure_message: 'The bank account details on file are probably incorrect.',
      }),
      connect,
    );
    await h.send(payoutEvent('payout.paid', payoutId, cashOutId, T + 200), connect);

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'failed', failureCode: 'no_account' });
  });

  test('canceled is final', async () => {
    const { cashOutId, payoutId } = await paidCashOut();
    await h.send(payoutEvent('payout.canceled', payoutId, cashOutId, T + 100, { status: 'canceled' }), connect);
    await h.send(payoutEvent('payout.updated', payoutId, cashOutId, T + 200, { status: 'in_transit' }), connect);

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'canceled' });
  });

  test('payout.reconciliation_completed keeps the cash-out paid and records the reconciliation', async () => {
    const { cashOutId, payoutId } = await paidCashOut({ status: 'paid' });
    await h.send(
      payoutEvent('payout.reconciliation_completed', payoutId, cashOutId, T + 90_000, {
        status: 'paid',
        reconciliation_status: 'completed',
      }),
      connect,
    );

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'paid', reconciliationStatus: 'completed' });
  });
});

describe('a payout that fails after Village was told 200', () => {
  let village: VillageHarness;
  let stripe: StripeHarness;
  beforeAll(async () => {
    village = await villageHarness();
    await village.recipients.put('ada@example.com', ACCOUNT, new Date());
    stripe = await stripeHarness({}, village.tables);
  });
  afterAll(async () => village.stop());

  test('is marked failed and failedAfterPaid, logged at error level, counted once, and found among failed cash-outs', async () => {
    const request = cashOut({ amount: '20.15', currency: 'USD' });
    const paid = await village.send(request);
    expect(paid.statusCode).toBe(200);
    const cashOutId = String(request.cash_out_id);
    const payoutId = (paid.body.stripe as { id: string }).id;
    const now = Math.floor(Date.now() / 1000);

    const failed = payoutEvent('payout.failed', payoutId, cashOutId, now + 5, {
      status: 'failed',
      failure_code: 'account_closed',
      failure_message: 'The bank account has been closed.',
    });
    const response = await stripe.send(failed, connect);
    // Stripe may send the same news again in a payout.updated.
    await stripe.send(
      payoutEvent('payout.updated', payoutId, cashOutId, now + 6, { status: 'failed', failure_code: 'account_closed' }),
      connect,
    );

    expect(response.body).toMatchObject({ outcome: 'applied', detail: `ledger ${cashOutId}: pending → failed` });
    expect(await village.ledger.get(cashOutId)).toMatchObject({
      status: 'failed',
      failedAfterPaid: true,
      failureCode: 'account_closed',
      failureMessage: 'The bank account has been closed.',
      answer: { statusCode: 200 },
    });
    expect(stripe.metrics.filter((name) => name === 'PayoutFailedAfterPaid')).toHaveLength(1);
    const alert = stripe.logs.find((line) => line.message === 'Payout failed after Village was told paid');
    expect(alert).toMatchObject({ level: 'ERROR', cashOutId, stripeObjectId: payoutId, failureCode: 'account_closed' });
    expect(JSON.stringify(stripe.logs)).not.toContain('ada@example.com');

    const failedCashOuts: string[] = [];
    for await (const item of itemsByStatus<LedgerItem>(village.tables.db, { tableName: village.tables.names.ledger, status: 'failed' }))
      failedCashOuts.push(item.cashOutId);
    expect(failedCashOuts).toContain(cashOutId);
  });
});

describe('cash-outs the ledger is not done with, or that do not fit', () => {
  test('an event for a cash-out still being paid is answered 503 and not marked applied; its redelivery applies it', async () => {
    const cashOutId = uniqueId('co');
    const payoutId = uniqueId('po');
    await seedCashOut(h.ledger, { cashOutId, status: 'processing' });
    const event = payoutEvent('payout.created', payoutId, cashOutId, T + 1, { status: 'pending' });

    const early = await h.send(event, connect);

    expect(early.statusCode).toBe(503);
    expect(early.body).toMatchObject({ error: 'ledger_item_in_flight' });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'processing' });
    expect(await h.events.get(event.id)).toMatchObject({ lastRefusal: 'ledger_item_in_flight' });
    expect((await h.events.get(event.id))?.appliedAt).toBeUndefined();

    // The cash-out handler finishes: Village is answered 200.
    await h.ledger.update(
      cashOutId,
      `attempt-${cashOutId}`,
      {
        status: 'pending',
        stripeObjectId: payoutId,
        stripeObjectType: 'payout',
        lastEventCreated: T,
        answer: { statusCode: 200, body: {} },
      },
      new Date(),
    );
    const redelivered = await h.send(event, connect);

    expect(redelivered.statusCode).toBe(200);
    expect(redelivered.body.outcome).toBe('applied');
    expect(await h.events.get(event.id)).toMatchObject({ appliedAt: expect.any(String), deliveries: 2 });
  });

  test("Village was told the cash-out failed, yet Stripe shows the gateway's payout: the item takes the status and needs compensation", async () => {
    const cashOutId = uniqueId('co');
    const payoutId = uniqueId('po');
    // Stripe's answer to the create call came too late for Village: the item is bound to that payout.
    await seedCashOut(h.ledger, { cashOutId, status: 'unknown', answerStatusCode: 500, stripeObjectId: payoutId });

    await h.send(payoutEvent('payout.created', payoutId, cashOutId, T + 1, { status: 'pending' }), connect);

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'pending', needsCompensation: true, stripeObjectId: payoutId });
    expect(h.metrics).toContain('PayoutNeedsCompensation');
    expect(h.logs.find((line) => line.cashOutId === cashOutId && line.level === 'ERROR')).toBeDefined();
  });

  test('a payout naming a cash-out whose own payout is not confirmed neither binds nor moves it: recorded beside it, for reconciliation', async () => {
    const cashOutId = uniqueId('co');
    const payoutId = uniqueId('po');
    await seedCashOut(h.ledger, { cashOutId, status: 'unknown', answerStatusCode: 500 });

    for (const [type, status, at] of [
      ['payout.created', 'pending', T + 1],
      ['payout.canceled', 'canceled', T + 2],
      ['payout.paid', 'paid', T + 3],
    ] as const) {
      const response = await h.send(payoutEvent(type, payoutId, cashOutId, at, { status }), connect);
      expect(response.body).toMatchObject({ outcome: 'anomaly', detail: expect.stringContaining('not confirmed') });
    }

    const item = await h.ledger.get(cashOutId);
    expect(item).toMatchObject({ status: 'unknown', answer: { statusCode: 500 } });
    expect(item?.stripeObjectId).toBeUndefined();
    expect(item?.lastEventCreated).toBeUndefined();
    expect(await h.records.get(payoutId, 'payout')).toMatchObject({
      status: 'canceled',
      cashOutId,
      anomaly: expect.stringContaining('not confirmed'),
    });
  });

  test('a payout bound to one cash-out moves it even when its metadata is changed to name another', async () => {
    const { cashOutId, payoutId } = await paidCashOut();
    const other = uniqueId('co');
    await seedCashOut(h.ledger, { cashOutId: other, status: 'unknown', answerStatusCode: 500 });

    const failed = await h.send(
      payoutEvent('payout.failed', payoutId, other, T + 100, { status: 'failed', failure_code: 'account_closed' }),
      connect,
    );

    expect(failed.body).toMatchObject({ outcome: 'applied' });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'failed', failedAfterPaid: true, stripeObjectId: payoutId });
    expect(await h.ledger.get(other)).toMatchObject({ status: 'unknown' });
  });

  test('a payout for a cash-out the gateway rejected is an anomaly: recorded, logged, the ledger unchanged', async () => {
    const cashOutId = uniqueId('co');
    const payoutId = uniqueId('po');
    await seedCashOut(h.ledger, { cashOutId, status: 'rejected', answerStatusCode: 400 });

    const response = await h.send(payoutEvent('payout.paid', payoutId, cashOutId, T + 1), connect);

    expect(response.statusCode).toBe(200);
    expect(response.body.outcome).toBe('anomaly');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'rejected' });
    expect(await h.records.get(payoutId, 'payout')).toMatchObject({
      status: 'paid',
      cashOutId,
      anomaly: expect.stringContaining('rejected'),
    });
    expect(h.metrics).toContain('LedgerAnomaly');
  });

  test('a second payout carrying the same cash-out id does not touch the first one’s ledger item', async () => {
    const { cashOutId, payoutId } = await paidCashOut();
    const other = uniqueId('po');

    const response = await h.send(payoutEvent('payout.paid', other, cashOutId, T + 100), connect);

    expect(response.body.outcome).toBe('anomaly');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'pending', stripeObjectId: payoutId });
    expect(await h.records.get(other, 'payout')).toMatchObject({ anomaly: expect.stringContaining('second payout'), cashOutId });
  });

  test('a payout on another connected account does not move the recipient’s cash-out', async () => {
    const { cashOutId, payoutId } = await paidCashOut();

    const response = await h.send(
      stripeEvent(
        'payout.paid',
        { id: payoutId, metadata: { cash_out_id: cashOutId } },
        { created: T + 100, account: 'acct_1SomeoneElse' },
      ),
      connect,
    );

    expect(response.body.outcome).toBe('anomaly');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'pending' });
  });

  test('a payout made outside the gateway is kept as a payout record that follows the same lifecycle', async () => {
    const payoutId = uniqueId('po');
    await h.send(payoutEvent('payout.created', payoutId, undefined, T + 1, { status: 'pending' }), connect);
    await h.send(payoutEvent('payout.paid', payoutId, undefined, T + 300), connect);
    await h.send(payoutEvent('payout.updated', payoutId, undefined, T + 200, { status: 'in_transit' }), connect);

    expect(await h.records.get(payoutId, 'payout')).toMatchObject({
      status: 'paid',
      account: ACCOUNT,
      amount: 2015,
      lastEventCreated: T + 300,
    });
  });
});

describe('transfer mode', () => {
  async function transferCashOut() {
    const cashOutId = uniqueId('co');
    const transferId = uniqueId('tr');
    await seedCashOut(h.ledger, {
      cashOutId,
      mode: 'transfer',
      status: 'paid',
      answerStatusCode: 200,
      stripeObjectId: transferId,
      lastEventCreated: T,
    });
    return { cashOutId, transferId };
  }
  const transferEvent = (type: string, transferId: string, cashOutId: string, created: number, object: Record<string, unknown> = {}) =>
    stripeEvent(type, { id: transferId, transfer_group: cashOutId, metadata: {}, destination: ACCOUNT, ...object }, { created });

  test('transfer.created confirms the cash-out paid, matched by its transfer_group', async () => {
    const { cashOutId, transferId } = await transferCashOut();
    const response = await h.send(transferEvent('transfer.created', transferId, cashOutId, T + 1));

    expect(response.body.outcome).toBe('applied');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'paid', lastEventType: 'transfer.created' });
  });

  test('transfer.reversed after Village was told 200 marks the cash-out reversed and failedAfterPaid', async () => {
    const { cashOutId, transferId } = await transferCashOut();
    const metricsBefore = h.metrics.filter((name) => name === 'PayoutFailedAfterPaid').length;

    await h.send(transferEvent('transfer.reversed', transferId, cashOutId, T + 7_200, { reversed: true, amount_reversed: 2015 }));

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'reversed', failedAfterPaid: true, amountReversed: 2015 });
    expect(h.metrics.filter((name) => name === 'PayoutFailedAfterPaid')).toHaveLength(metricsBefore + 1);
  });

  test('an older transfer.updated after the reversal leaves it reversed', async () => {
    const { cashOutId, transferId } = await transferCashOut();
    await h.send(transferEvent('transfer.reversed', transferId, cashOutId, T + 7_200, { reversed: true, amount_reversed: 2015 }));
    await h.send(transferEvent('transfer.updated', transferId, cashOutId, T + 300));

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'reversed' });
  });
});

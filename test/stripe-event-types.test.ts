import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { HANDLED_EVENT_TYPES } from '../functions/stripe-events/event.js';
import type { RecordKind } from '../functions/stripe-events/record-entries.js';
import { fixture, fixtureNames } from '../dev/send/fixtures.js';
import { STRIPE_CONNECT_SECRET, stripeEvent, stripeHarness, type StripeEventJson, type StripeHarness } from './support/stripe-events.js';

let h: StripeHarness;
beforeAll(async () => {
  h = await stripeHarness();
});
afterAll(async () => h.stop());

/**
 * A fixture with its sample ids made unique (every "Sample" becomes "Sample<random>"), so each
 * test starts from no state and the fixtures do not order each other.
 */
function isolated(type: string): { event: StripeEventJson; tag: string } {
  const tag = `Sample${randomBytes(4).toString('hex')}`;
  const event = JSON.parse(fixture('stripe', type).replaceAll('Sample', tag)) as StripeEventJson;
  return { event, tag };
}

const id = (tag: string, sampleId: string) => sampleId.replace('Sample', tag);

/** What each listed type leaves in the records table: [kind, id, status, and other fields]. */
const EXPECTED: Record<string, [RecordKind, string, string, Record<string, unknown>?]> = {
  'payout.created': ['payout', 'po_1SampleAdaPayout0001', 'pending', { amount: 2015, currency: 'usd', account: 'acct_1LocalSampleAda' }],
  'payout.updated': ['payout', 'po_1SampleAdaPayout0001', 'in_transit'],
  'payout.paid': ['payout', 'po_1SampleAdaPayout0001', 'paid'],
  'payout.failed': [
    'payout',
    'po_1SampleAdaPayout0001',
    'failed',
    { failureCode: 'account_closed', failureMessage: 'The bank account has been closed.' },
  ],
  'payout.canceled': ['payout', 'po_1SampleAdaPayout0001', 'canceled'],
  'payout.reconciliation_completed': ['payout', 'po_1SampleAdaPayout0001', 'paid', { reconciliationStatus: 'completed' }],
  'transfer.created': ['transfer', 'tr_1SampleAdaTransfer001', 'paid', { account: 'acct_1LocalSampleAda', cashOutId: 'co_sample_0002' }],
  'transfer.updated': ['transfer', 'tr_1SampleAdaTransfer001', 'paid'],
  'transfer.reversed': ['transfer', 'tr_1SampleAdaTransfer001', 'reversed', { amountReversed: 2015 }],
  'payment_intent.created': ['transaction', 'pi_3SampleOrder0001', 'buyer_approval_pending', { amount: 4999, currency: 'usd' }],
  'payment_intent.requires_action': ['transaction', 'pi_3SampleOrder0001', 'buyer_approval_pending'],
  'payment_intent.processing': ['transaction', 'pi_3SampleOrder0001', 'processing'],
  'payment_intent.amount_capturable_updated': ['transaction', 'pi_3SampleOrder0001', 'authorization_succeeded', { amountCapturable: 4999 }],
  'payment_intent.partially_funded': ['transaction', 'pi_3SampleOrder0001', 'buyer_approval_pending'],
  'payment_intent.payment_failed': [
    'transaction',
    'pi_3SampleOrder0001',
    'authorization_declined',
    { failureCode: 'card_declined', declineCode: 'insufficient_funds' },
  ],
  'payment_intent.succeeded': ['transaction', 'pi_3SampleOrder0001', 'capture_succeeded', { amountReceived: 4999 }],
  'payment_intent.canceled': ['transaction', 'pi_3SampleOrder0001', 'authorization_voided', { cancellationReason: 'abandoned' }],
  'charge.succeeded': ['transaction', 'pi_3SampleOrder0001', 'capture_succeeded', { latestChargeId: 'ch_3SampleOrder0001' }],
  'charge.pending': ['transaction', 'pi_3SampleOrder0001', 'capture_pending'],
  'charge.failed': ['transaction', 'pi_3SampleOrder0001', 'authorization_declined', { failureCode: 'card_declined' }],
  'charge.captured': ['transaction', 'pi_3SampleOrder0001', 'capture_succeeded', { amountCaptured: 4999 }],
  'charge.expired': ['transaction', 'pi_3SampleOrder0001', 'authorization_voided'],
  'charge.refunded': ['transaction', 'pi_3SampleOrder0001', 'capture_succeeded', { amountRefunded: 4999 }],
  'charge.updated': ['transaction', 'pi_3SampleOrder0001', 'capture_succeeded'],
  'charge.refund.updated': [
    'refund',
    're_3SampleOrder0001',
    'succeeded',
    { transactionId: 'pi_3SampleOrder0001', chargeId: 'ch_3SampleOrder0001' },
  ],
  'refund.created': ['refund', 're_3SampleOrder0001', 'pending', { amount: 4999, reason: 'requested_by_customer' }],
  'refund.updated': ['refund', 're_3SampleOrder0001', 'succeeded'],
  'refund.failed': ['refund', 're_3SampleOrder0001', 'failed', { failureReason: 'expired_or_canceled_card' }],
  'charge.dispute.created': [
    'dispute',
    'dp_1SampleOrder0001',
    'needs_response',
    { transactionId: 'pi_3SampleOrder0001', reason: 'fraudulent' },
  ],
  'charge.dispute.funds_withdrawn': ['dispute', 'dp_1SampleOrder0001', 'needs_response', { funds: 'withdrawn' }],
  'charge.dispute.updated': ['dispute', 'dp_1SampleOrder0001', 'under_review'],
  'charge.dispute.closed': ['dispute', 'dp_1SampleOrder0001', 'won'],
  'charge.dispute.funds_reinstated': ['dispute', 'dp_1SampleOrder0001', 'won', { funds: 'reinstated' }],
  'radar.early_fraud_warning.created': [
    'early_fraud_warning',
    'issfr_1SampleOrder0001',
    'actionable',
    { fraudType: 'made_with_stolen_card', transactionId: 'pi_3SampleOrder0001' },
  ],
  'radar.early_fraud_warning.updated': ['early_fraud_warning', 'issfr_1SampleOrder0001', 'not_actionable'],
  'checkout.session.async_payment_succeeded': [
    'checkout_session',
    'cs_test_a1SampleCheckout0001',
    'paid',
    { transactionId: 'pi_3SampleCheckout0001' },
  ],
  'file.created': ['file', 'file_1SampleReport0001', 'available', { purpose: 'finance_report_run', size: 8842 }],
  'reporting.report_run.succeeded': [
    'report_run',
    'frr_1SampleReport0001',
    'succeeded',
    { reportType: 'payouts.itemized.3', resultFileId: 'file_1SampleReport0001' },
  ],
  'reporting.report_run.failed': ['report_run', 'frr_1SampleReport0002', 'failed'],
  'reporting.report_type.updated': ['report_type', 'payouts.itemized.3', 'available', { dataAvailableEnd: 1795213600 }],
};

describe('the event types DESIGN.md lists', () => {
  test('each has a realistic fixture under test/events/stripe', () => {
    const names = fixtureNames('stripe');
    for (const type of Object.keys(HANDLED_EVENT_TYPES)) {
      expect(names).toContain(type);
      const event = JSON.parse(fixture('stripe', type)) as StripeEventJson;
      expect(event).toMatchObject({
        id: expect.stringMatching(/^evt_/),
        object: 'event',
        type,
        api_version: expect.any(String),
        livemode: false,
        created: expect.any(Number),
      });
    }
  });

  test.each(Object.entries(EXPECTED))('%s is verified, stored, applied and recorded', async (type, [kind, sampleId, status, fields]) => {
    const { event, tag } = isolated(type);
    const response = await h.send(event, { secrets: event.account ? [STRIPE_CONNECT_SECRET] : undefined });

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ received: true, eventId: event.id, outcome: 'applied' });
    expect(await h.kept(event)).toMatchObject({
      type,
      created: event.created,
      payload: JSON.stringify(event),
      appliedAt: expect.any(String),
      outcome: 'applied',
    });
    const record = await h.records.get(id(tag, sampleId), kind);
    const expectedFields = JSON.parse(JSON.stringify(fields ?? {}).replaceAll('Sample', tag)) as Record<string, unknown>;
    expect(record).toMatchObject({ status, lastEventCreated: event.created, ...expectedFields });
  });

  test('checkout.session.async_payment_succeeded also marks its PaymentIntent’s transaction captured', async () => {
    const { event, tag } = isolated('checkout.session.async_payment_succeeded');
    await h.send(event);

    expect(await h.records.get(id(tag, 'pi_3SampleCheckout0001'), 'transaction')).toMatchObject({
      status: 'capture_succeeded',
      checkoutSessionId: id(tag, 'cs_test_a1SampleCheckout0001'),
    });
  });

  test('account.updated records whether the recipient’s account can receive payouts', async () => {
    const { event, tag } = isolated('account.updated');
    const accountId = id(tag, 'acct_1LocalSampleAda');
    await h.recipients.put('ada.account@example.com', accountId, new Date());

    const response = await h.send(event, { secrets: [STRIPE_CONNECT_SECRET] });

    expect(response.body).toMatchObject({ outcome: 'applied' });
    expect(await h.recipients.get('ada.account@example.com')).toMatchObject({
      accountId,
      payoutsEnabled: false,
      accountEventCreated: event.created,
    });
  });

  test('every listed type is covered above', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(
      Object.keys(HANDLED_EVENT_TYPES)
        .filter((type) => type !== 'account.updated')
        .sort(),
    );
  });
});

describe('other events', () => {
  test('an event type the gateway does not act on is acknowledged with 200, stored, and otherwise ignored', async () => {
    const { event, tag } = isolated('customer.created');
    const response = await h.send(event);

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ outcome: 'ignored' });
    expect(await h.events.get(event.id)).toMatchObject({ type: 'customer.created', outcome: 'ignored', appliedAt: expect.any(String) });
    const records = await h.tables.db.send(new ScanCommand({ TableName: h.tables.names.records }));
    expect(JSON.stringify(records.Items)).not.toContain(tag);
  });

  test('a new type in a subscribed group (payout.*) is handled by the object it carries', async () => {
    const { event, tag } = isolated('payout.paid');
    event.type = 'payout.some_future_event';
    const response = await h.send(event, { secrets: [STRIPE_CONNECT_SECRET] });

    expect(response.body).toMatchObject({ outcome: 'applied' });
    expect(await h.records.get(id(tag, 'po_1SampleAdaPayout0001'), 'payout')).toMatchObject({ status: 'paid' });
  });

  test('a signed event whose object does not fit its type is refused with 400 and nothing is written', async () => {
    const event = stripeEvent('payout.paid', { status: 'teleported' });
    const response = await h.send(event);

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: 'malformed_event', message: expect.stringContaining('status') });
    expect(await h.events.get(event.id)).toBeUndefined();
  });

  test('a signed body that is not a Stripe event is refused with 400', async () => {
    const response = await h.send(JSON.stringify({ hello: 'world' }));

    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe('malformed_event');
  });

  test('a signed body that is not JSON is refused with 400', async () => {
    const response = await h.send('not json at all');

    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe('malformed_json');
  });
});

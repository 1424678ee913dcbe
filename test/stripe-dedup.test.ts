import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { StripeRecordStore } from '../functions/stripe-events/record-store.js';
import { faultyDocumentClient } from './support/faults.js';
import { STRIPE_CONNECT_SECRET, seedCashOut, stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';

const ACCOUNT = 'acct_1LocalSampleAda';
const T = 1_795_300_000;
const connect = { secrets: [STRIPE_CONNECT_SECRET] };

let h: StripeHarness;
beforeAll(async () => {
  h = await stripeHarness();
});
afterAll(async () => h.stop());

async function pendingCashOut() {
  const cashOutId = uniqueId('co');
  const payoutId = uniqueId('po');
  await seedCashOut(h.ledger, { cashOutId, status: 'pending', answerStatusCode: 200, stripeObjectId: payoutId, lastEventCreated: T });
  return { cashOutId, payoutId };
}

const failedEvent = (payoutId: string, cashOutId: string) =>
  stripeEvent('payout.failed', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { created: T + 100, account: ACCOUNT });

describe('deduplication by event id', () => {
  test('a redelivered event is answered 200 and changes nothing', async () => {
    const { cashOutId, payoutId } = await pendingCashOut();
    const event = stripeEvent(
      'payout.paid',
      { id: payoutId, metadata: { cash_out_id: cashOutId } },
      { created: T + 100, account: ACCOUNT },
    );
    await h.send(event, connect);
    const afterFirst = await h.ledger.get(cashOutId);
    const storedFirst = await h.events.get(event.id);

    const again = await h.send(event, connect);

    expect(again.statusCode).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, outcome: 'applied' });
    expect(await h.ledger.get(cashOutId)).toEqual(afterFirst);
    expect(await h.events.get(event.id)).toEqual(storedFirst);
  });

  test('the stored event expires (TTL) after the retention period, 30 days by default', async () => {
    const event = stripeEvent('customer.created');
    await h.send(event);
    const stored = await h.events.get(event.id);
    const expected = Math.floor(Date.now() / 1000) + 30 * 86_400;

    expect(stored?.expiresAt).toBeGreaterThan(expected - 60);
    expect(stored?.expiresAt).toBeLessThanOrEqual(expected);
  });

  test('20 concurrent deliveries of one payout.failed change the ledger once and raise one alert', async () => {
    const { cashOutId, payoutId } = await pendingCashOut();
    const event = failedEvent(payoutId, cashOutId);
    const body = JSON.stringify(event);
    const alertsBefore = h.metrics.filter((name) => name === 'PayoutFailedAfterPaid').length;

    const responses = await Promise.all(Array.from({ length: 20 }, () => h.send(body, connect)));

    const applied = responses.filter(
      (response) => response.statusCode === 200 && response.body.outcome === 'applied' && !response.body.duplicate,
    );
    expect(applied).toHaveLength(1);
    expect(
      responses.every(
        (response) => response.statusCode === 200 || (response.statusCode === 409 && response.body.error === 'event_in_flight'),
      ),
    ).toBe(true);
    expect(h.metrics.filter((name) => name === 'PayoutFailedAfterPaid')).toHaveLength(alertsBefore + 1);
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'failed', failedAfterPaid: true, lastEventId: event.id });
    expect(await h.events.get(event.id)).toMatchObject({ appliedAt: expect.any(String), outcome: 'applied' });
  });

  test('a delivery that arrives while another holds the event is answered 409, so Stripe retries', async () => {
    const { cashOutId, payoutId } = await pendingCashOut();
    const event = failedEvent(payoutId, cashOutId);
    await h.events.claim(
      {
        provider: 'stripe',
        eventId: event.id,
        type: event.type,
        livemode: false,
        created: event.created,
        objectId: payoutId,
        receivedAt: new Date().toISOString(),
        payload: JSON.stringify(event),
        expiresAt: 0,
      },
      'another-delivery',
      Date.now(),
      30_000,
    );

    const response = await h.send(event, connect);

    expect(response.statusCode).toBe(409);
    expect(response.body.error).toBe('event_in_flight');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'pending' });
  });

  test('an event whose earlier delivery crashed before it was marked applied is applied by the redelivery', async () => {
    const { cashOutId, payoutId } = await pendingCashOut();
    const event = failedEvent(payoutId, cashOutId);
    // The crashed delivery stored and claimed the event; its lease has run out.
    await h.events.claim(
      {
        provider: 'stripe',
        eventId: event.id,
        type: event.type,
        livemode: false,
        created: event.created,
        objectId: payoutId,
        receivedAt: new Date().toISOString(),
        payload: JSON.stringify(event),
        expiresAt: 0,
      },
      'crashed-delivery',
      Date.now() - 60_000,
      30_000,
    );

    const response = await h.send(event, connect);

    expect(response.statusCode).toBe(200);
    expect(response.body.outcome).toBe('applied');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'failed' });
    expect(await h.events.get(event.id)).toMatchObject({ appliedAt: expect.any(String), deliveries: 2 });
  });

  test('an unexpected failure while applying answers 500 and leaves the event for the redelivery', async () => {
    let failures = 1;
    const flaky = new StripeRecordStore(
      faultyDocumentClient(
        h.tables.endpoint,
        (command, input) => command.startsWith('Update') && input.TableName === h.tables.names.records && failures-- > 0,
      ),
      h.tables.names.records,
    );
    const flakyHarness = await stripeHarness({ records: flaky }, h.tables);
    const event = stripeEvent('refund.created', { id: uniqueId('re') });

    const first = await flakyHarness.send(event);
    expect(first.statusCode).toBe(500);
    expect(await h.kept(event)).toBeUndefined();
    const second = await flakyHarness.send(event);

    expect(second.statusCode).toBe(200);
    expect(second.body.outcome).toBe('applied');
    expect(await h.records.get(String(event.data.object.id), 'refund')).toMatchObject({ status: 'pending' });
  });
});

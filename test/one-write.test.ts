import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { JustWalletRecordStore } from '../functions/just-wallet/records.js';
import { packBody, unpackBody } from '../functions/shared/record-model.js';
import { TRANSACTION } from '../functions/stripe-events/apply-payment.js';
import { RECORD_BODY_ROOM, recordedEvents } from '../functions/stripe-events/record-entries.js';
import { StripeRecordStore } from '../functions/stripe-events/record-store.js';
import type { RecordWithEvents } from '../functions/stripe-events/record-entries.js';
import { answerLostClient, callRecorder } from './support/dynamo-calls.js';
import { justWalletEvent, justWalletHarness, type JustWalletHarness } from './support/just-wallet.js';
import { stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';

/**
 * A new event's common path is one DynamoDB write: the record it moves deduplicates and orders
 * it (the keys of the events applied to it, and its ordering guard), and keeps its raw body.
 * Every guarantee of the claim it replaces holds: a duplicate changes nothing, an older event
 * never moves a newer state, a write whose answer was lost is recognised, and concurrent
 * deliveries apply an event once.
 */
let stripe: StripeHarness;
let wallet: JustWalletHarness;
let stripeCalls: ReturnType<typeof callRecorder>;
let walletCalls: ReturnType<typeof callRecorder>;
const T = Math.floor(Date.now() / 1000) - 3600;

beforeAll(async () => {
  stripe = await stripeHarness();
  wallet = await justWalletHarness();
  stripeCalls = callRecorder(stripe.tables.db, stripe.tables.names);
  walletCalls = callRecorder(wallet.tables.db, wallet.tables.names);
});
afterAll(async () => {
  await stripe?.stop();
  await wallet?.stop();
});

const transaction = async (id: string) => (await stripe.records.get(id, 'transaction')) as RecordWithEvents | undefined;
const payment = (type: string, id: string, created: number) => stripeEvent(type, { id }, { created });

describe('a new Stripe payment event', () => {
  test('is one conditional UpdateItem on its record, which keeps the event key and its raw body, packed', async () => {
    const id = uniqueId('pi');
    const event = payment('payment_intent.succeeded', id, T);

    const response = await stripeCalls.during(() => stripe.send(event));

    expect(response).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });
    expect(stripeCalls.calls).toEqual([{ command: 'UpdateItem', table: 'records' }]);
    const record = await transaction(id);
    expect(record?.eventKeys).toEqual(new Set([`stripe:${event.id}`]));
    expect(recordedEvents(record!)).toEqual([
      expect.objectContaining({
        eventKey: `stripe:${event.id}`,
        type: 'payment_intent.succeeded',
        status: 'capture_succeeded',
        created: T,
        statusChanged: true,
      }),
    ]);
    // What the body says (its id, type, `created`) is not stored beside it again.
    expect(Object.keys(record!.history![0]!).sort()).toEqual(['body', 'receivedAt', 'status']);
    expect(record).not.toHaveProperty('lastEventId');
    expect(unpackBody(record!.history![0]!.body)).toBe(JSON.stringify(event));
    expect(record!.history![0]!.body.length).toBeLessThan(JSON.stringify(event).length / 3);
    expect(await stripe.events.get(event.id)).toBeUndefined();
    expect(await stripe.kept(event)).toMatchObject({
      eventKey: `stripe:${event.id}`,
      payload: JSON.stringify(event),
      outcome: 'applied',
      record: { id, kind: 'transaction' },
    });
  });

  test('delivered again is answered from that one call as a duplicate, and changes nothing', async () => {
    const id = uniqueId('pi');
    const event = payment('payment_intent.succeeded', id, T);
    await stripe.send(event);
    const before = await transaction(id);

    const again = await stripeCalls.during(() => stripe.send(event));

    expect(again).toMatchObject({ statusCode: 200, body: { duplicate: true, outcome: 'applied' } });
    expect(stripeCalls.calls).toEqual([{ command: 'UpdateItem', table: 'records' }]);
    expect(await transaction(id)).toEqual(before);
  });

  test('older than the record’s state is recorded without moving it, and delivered again is a duplicate', async () => {
    const id = uniqueId('pi');
    const newer = payment('payment_intent.succeeded', id, T + 10);
    const older = payment('payment_intent.processing', id, T);
    await stripe.send(newer);

    const late = await stripe.send(older);

    expect(late).toMatchObject({ statusCode: 200, body: { outcome: 'stale' } });
    const record = await transaction(id);
    expect(record).toMatchObject({ status: 'capture_succeeded', lastEventCreated: newer.created });
    expect(recordedEvents(record!).map((entry) => [entry.eventKey, entry.statusChanged])).toEqual([
      [`stripe:${newer.id}`, true],
      [`stripe:${older.id}`, false],
    ]);
    expect(await stripe.send(older)).toMatchObject({ statusCode: 200, body: { duplicate: true, outcome: 'stale' } });
    expect((await transaction(id))?.history).toHaveLength(2);
    expect(await stripe.kept(older)).toMatchObject({ outcome: 'stale', payload: JSON.stringify(older) });
  });

  test('whose write landed but whose answer was lost: the redelivery is recognised, and the event applied once', async () => {
    const id = uniqueId('pi');
    const event = payment('payment_intent.succeeded', id, T);
    const lossy = await stripeHarness(
      {
        records: new StripeRecordStore(
          answerLostClient(stripe.tables.endpoint, (command) => command.startsWith('Update')),
          stripe.tables.names.records,
        ),
      },
      stripe.tables,
    );

    expect((await lossy.send(event)).statusCode).toBe(500);
    expect(await transaction(id)).toMatchObject({ status: 'capture_succeeded' });

    expect(await stripe.send(event)).toMatchObject({ statusCode: 200, body: { duplicate: true, outcome: 'applied' } });
    expect((await transaction(id))?.history).toHaveLength(1);
  });

  test('written twice by the SDK’s own retry (the first attempt landed) is one application', async () => {
    const id = uniqueId('pi');
    const event = payment('payment_intent.processing', id, T);
    const body = packBody(JSON.stringify(event), 'stripe-v1');
    const stamp = { eventKey: `stripe:${event.id}`, receivedAt: new Date().toISOString(), body };
    const store = stripe.records.stamped(stamp);
    const change = {
      id,
      kind: 'transaction' as const,
      status: 'processing' as const,
      lifecycle: TRANSACTION,
      event: { id: event.id, type: event.type, created: T },
      fields: {},
    };

    expect(await store.apply(change, new Date())).toMatchObject({ applied: true });
    expect(await store.apply(change, new Date())).toMatchObject({ applied: false, duplicate: true, firstOutcome: 'applied' });
    expect((await transaction(id))?.bodyBytes).toBe(body.length);
  });

  test('delivered 20 times at once is applied once; every delivery is answered 200', async () => {
    const id = uniqueId('pi');
    const event = payment('payment_intent.succeeded', id, T);

    const responses = await Promise.all(Array.from({ length: 20 }, () => stripe.send(event)));

    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    expect(responses.filter((response) => !response.body.duplicate)).toHaveLength(1);
    expect((await transaction(id))?.history).toHaveLength(1);
  });

  test('on a record with no room left for another body is claimed in the events table instead, and still applied once', async () => {
    const id = uniqueId('pi');
    // Charge updates of one payment (0.8 KB packed each) until one finds its record full.
    let overflow: ReturnType<typeof stripeEvent> | undefined;
    let before: RecordWithEvents | undefined;
    for (let n = 1; !overflow && n <= 10; n += 1) {
      const event = stripeEvent('charge.updated', { id: uniqueId('ch'), payment_intent: id }, { created: T + n });
      before = await transaction(id);
      const response = await stripeCalls.during(() => stripe.send(event));
      expect(response).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });
      if (stripeCalls.calls.length > 1) overflow = event;
    }

    expect(overflow).toBeDefined();
    expect(stripeCalls.calls.map((call) => `${call.command} ${call.table}`)).toEqual([
      'UpdateItem records',
      'PutItem events',
      'UpdateItem records',
      'UpdateItem events',
    ]);
    // Full: past the room, having taken one body more while it had room (never more than that).
    expect(before?.bodyBytes).toBeGreaterThan(RECORD_BODY_ROOM);
    expect(before!.bodyBytes! - before!.history!.at(-1)!.body.length).toBeLessThanOrEqual(RECORD_BODY_ROOM);
    expect(await transaction(id)).toMatchObject({
      status: 'capture_succeeded',
      lastEventCreated: overflow!.created,
      bodyBytes: before?.bodyBytes,
      history: before?.history,
    });
    expect(await stripe.events.get(overflow!.id)).toMatchObject({ outcome: 'applied', payload: JSON.stringify(overflow) });
    expect(await stripe.send(overflow!)).toMatchObject({ statusCode: 200, body: { duplicate: true } });
  });

  test('is kept in one place for all its deliveries, even when a later one packs smaller and would fit where the first did not', async () => {
    const id = uniqueId('pi');
    await stripe.send(payment('payment_intent.created', id, T));
    const event = payment('payment_intent.processing', id, T + 10);
    // Two deliveries of one event: Stripe's body can differ between them (`pending_webhooks`), and so its packed size.
    const first = JSON.stringify({ ...event, pending_webhooks: 31_415_926 }, null, 2);
    const later = JSON.stringify({ ...event, pending_webhooks: 1 }, null, 2);
    const [big, small] = [packBody(first, 'stripe-v1').length, packBody(later, 'stripe-v1').length];
    expect(small).toBeLessThan(big);
    // The record holds so much already that, counted with the body, the first would not fit and the later one would.
    await stripe.tables.db.send(
      new UpdateCommand({
        TableName: stripe.tables.names.records,
        Key: { id, kind: 'transaction' },
        UpdateExpression: 'SET bodyBytes = :held',
        ExpressionAttributeValues: { ':held': RECORD_BODY_ROOM + 1 - big + Math.floor((big - small) / 2) },
      }),
    );

    expect(await stripe.send(first)).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });
    expect(await stripe.send(later)).toMatchObject({ statusCode: 200, body: { duplicate: true } });
    const inRecord = (await transaction(id))?.eventKeys?.has(`stripe:${event.id}`) ?? false;
    const inEvents = (await stripe.events.get(event.id)) !== undefined;
    expect([inRecord, inEvents]).toEqual(inRecord ? [true, false] : [false, true]);
  });
});

describe('what a new payment event costs', () => {
  /** An id as long as Stripe's (`pi_` and 24 characters). */
  const stripeLength = (prefix: string) =>
    `${prefix}_${uniqueId('')
      .replace(/[^A-Za-z0-9]/g, '')
      .padEnd(24, 'x')
      .slice(-24)}`;

  test.each(['payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded', 'charge.updated', 'charge.failed'])(
    '%s about a new payment, as Stripe sends it (pretty-printed, Stripe-length ids), is one write unit on its record and one on the index',
    async (type) => {
      const [intent, charge] = [stripeLength('pi'), stripeLength('ch')];
      const event = stripeEvent(
        type,
        type.startsWith('charge.') ? { id: charge, payment_intent: intent } : { id: intent, latest_charge: charge },
        { id: stripeLength('evt') },
      );
      const body = JSON.stringify(event, null, 2);

      const response = await stripeCalls.during(() => stripe.send(body));

      expect(response).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });
      expect(stripeCalls.calls).toEqual([{ command: 'UpdateItem', table: 'records' }]);
      // A write unit is 1 KB of the item: the record with its packed body stays within one.
      expect(stripeCalls.writeUnits).toEqual([{ table: 1, indexes: 1 }]);
      expect(await stripe.kept(event)).toMatchObject({ payload: body, type, created: event.created });
    },
  );
});

describe('a new Just Wallet change', () => {
  const record = (id: string) => wallet.record('just_wallet_payout', id);

  test('is one conditional UpdateItem on its record, which keeps the event and its raw body; nothing in the events table', async () => {
    const event = justWalletEvent('payout', { status: 'processing' });
    const id = String(event.data.id);

    const response = await walletCalls.during(() => wallet.send(event));

    expect(response.body).toMatchObject({ outcome: 'applied' });
    expect(walletCalls.calls).toEqual([{ command: 'UpdateItem', table: 'records' }]);
    const kept = (await record(id))?.history[0];
    expect(unpackBody(kept!.body!)).toBe(JSON.stringify(event));
    expect(await wallet.deps.events.get(`just-wallet:payout:${id}:processing`)).toBeUndefined();
    expect(await wallet.event(`just-wallet:payout:${id}:processing`)).toMatchObject({ payload: JSON.stringify(event), outcome: 'applied' });
  });

  test('delivered again is one call and a duplicate', async () => {
    const event = justWalletEvent('payout', { status: 'processing' });
    await wallet.send(event);

    const again = await walletCalls.during(() => wallet.send(event));

    expect(again.body).toMatchObject({ outcome: 'duplicate' });
    expect(walletCalls.calls).toEqual([{ command: 'UpdateItem', table: 'records' }]);
  });

  test('whose write landed but whose answer was lost: the redelivery is a duplicate, the history has it once', async () => {
    const event = justWalletEvent('payout', { status: 'completed' });
    // Its records store writes these records, its answers lost on the way back.
    const lossy = await justWalletHarness({
      records: new JustWalletRecordStore(
        answerLostClient(wallet.tables.endpoint, (command) => command.startsWith('Update')),
        wallet.tables.names.records,
      ),
    });
    try {
      expect((await lossy.send(event)).statusCode).toBe(500);
    } finally {
      await lossy.stop();
    }
    expect((await record(String(event.data.id)))?.status).toBe('completed');

    expect((await wallet.send(event)).body).toMatchObject({ outcome: 'duplicate' });
    expect((await record(String(event.data.id)))?.history).toHaveLength(1);
  });

  test('delivered 20 times at once is applied once', async () => {
    const event = justWalletEvent('payout', { status: 'pending' });

    const responses = await Promise.all(Array.from({ length: 20 }, () => wallet.send(event)));

    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    expect(responses.filter((response) => response.body.outcome === 'applied')).toHaveLength(1);
    expect((await record(String(event.data.id)))?.history).toHaveLength(1);
  });
});

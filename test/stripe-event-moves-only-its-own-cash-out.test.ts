/**
 * The ledger's own condition on a Stripe event's write, below the route's checks: an event
 * moves a cash-out only if the item is bound to the event's payout or transfer, is not being
 * paid (`processing`), and the move is forward and not older than the last one applied.
 * LedgerEvents.apply is called directly, as the route does once its checks pass. DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LedgerStore } from '../functions/shared/ledger.js';
import { LedgerEvents, type LedgerChange } from '../functions/stripe-events/ledger-events.js';
import { createTestTables, type TestTables } from './support/dynamo.js';
import { seedCashOut, uniqueId } from './support/stripe-events.js';

describe('a Stripe event moves only the cash-out bound to its payout', () => {
  let tables: TestTables;
  let ledger: LedgerStore;
  let events: LedgerEvents;
  beforeAll(async () => {
    tables = await createTestTables();
    ledger = new LedgerStore(tables.db, tables.names.ledger);
    events = new LedgerEvents(tables.db, tables.names.ledger);
  });
  afterAll(() => tables.db.destroy());

  const change = (cashOutId: string, stripeObjectId: string, status: LedgerChange['status'], created: number): LedgerChange => ({
    cashOutId,
    status,
    stripeObjectId,
    event: { id: uniqueId('evt'), type: `payout.${status}`, created },
    fields: {},
  });

  test('the payout the cash-out is bound to moves it forward, and the write returns the item as it was', async () => {
    const cashOutId = uniqueId('co');
    const payout = uniqueId('po');
    await seedCashOut(ledger, { cashOutId, status: 'pending', stripeObjectId: payout, lastEventCreated: 100 });
    const result = await events.apply(change(cashOutId, payout, 'paid', 200), new Date());
    expect(result).toMatchObject({ applied: true, previous: { status: 'pending', lastEventCreated: 100 } });
    expect(await ledger.get(cashOutId)).toMatchObject({
      status: 'paid',
      lastEventCreated: 200,
      statusShard: expect.stringMatching(/^paid#/) as unknown,
    });
  });

  test('another payout naming the cash-out does not move it', async () => {
    const cashOutId = uniqueId('co');
    await seedCashOut(ledger, { cashOutId, status: 'pending', stripeObjectId: uniqueId('po'), lastEventCreated: 100 });
    const result = await events.apply(change(cashOutId, uniqueId('po'), 'failed', 200), new Date());
    expect(result).toMatchObject({ applied: false, current: { status: 'pending' } });
  });

  test('a cash-out bound to no payout yet (its create call unanswered) is not bound by an event', async () => {
    const cashOutId = uniqueId('co');
    await seedCashOut(ledger, { cashOutId, status: 'unknown', answerStatusCode: 500 });
    const payout = uniqueId('po');
    expect(await events.apply(change(cashOutId, payout, 'paid', 200), new Date())).toMatchObject({ applied: false });
    const item = await ledger.get(cashOutId);
    expect(item).toMatchObject({ status: 'unknown' });
    expect(item?.stripeObjectId).toBeUndefined();
  });

  test('a cash-out still being paid is not moved, even by its own payout', async () => {
    const cashOutId = uniqueId('co');
    await seedCashOut(ledger, { cashOutId, status: 'processing' });
    const payout = uniqueId('po');
    // Bound while still processing (the outcome written beside a refused duplicate's answer).
    await ledger.recordOutcomeFields(cashOutId, `attempt-${cashOutId}`, { stripeObjectId: payout }, new Date());
    expect(await events.apply(change(cashOutId, payout, 'paid', 200), new Date())).toMatchObject({ applied: false });
    expect(await ledger.get(cashOutId)).toMatchObject({ status: 'processing', stripeObjectId: payout });
  });

  test('an older event, or a move back, does not land; a failure after paid does, and then nothing moves it again', async () => {
    const cashOutId = uniqueId('co');
    const payout = uniqueId('po');
    await seedCashOut(ledger, { cashOutId, status: 'paid', stripeObjectId: payout, lastEventCreated: 300 });
    expect(await events.apply(change(cashOutId, payout, 'failed', 299), new Date())).toMatchObject({ applied: false });
    expect(await events.apply(change(cashOutId, payout, 'in_transit', 400), new Date())).toMatchObject({ applied: false });
    expect(await events.apply(change(cashOutId, payout, 'failed', 400), new Date())).toMatchObject({ applied: true });
    expect(await events.apply(change(cashOutId, payout, 'paid', 500), new Date())).toMatchObject({ applied: false });
    expect(await ledger.get(cashOutId)).toMatchObject({ status: 'failed', lastEventCreated: 400 });
  });
});

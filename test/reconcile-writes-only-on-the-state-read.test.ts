/**
 * Reconciliation writes a ledger item only if it is still exactly as it was read: the same
 * status, `updatedAt`, attempt, last Stripe event, no answer where there was none, and no
 * invocation holding it. Each part of that condition is checked on its own here: the item
 * is changed in that one attribute (as a writer that forgot the others would), and the write
 * must not land. DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ReconcileStore } from '../functions/reconcile/store.js';
import { LedgerStore } from '../functions/shared/ledger.js';
import { createTestTables, type TestTables } from './support/dynamo.js';
import { newLedgerItem } from './support/ledger-items.js';

const NOW = Date.UTC(2031, 0, 6, 12, 0, 0);

describe('reconciliation writes only on the state it read', () => {
  let tables: TestTables;
  let ledger: LedgerStore;
  let store: ReconcileStore;
  let n = 0;
  beforeAll(async () => {
    tables = await createTestTables();
    ledger = new LedgerStore(tables.db, tables.names.ledger);
    store = new ReconcileStore(tables.db, tables.names.ledger);
  });
  afterAll(() => tables.db.destroy());

  /** A crashed claim (its lease ran out an hour ago), as reconciliation reads it. */
  async function crashed() {
    const cashOutId = `co_guard_${(n += 1)}_${Math.random().toString(36).slice(2)}`;
    await ledger.claim(
      newLedgerItem(cashOutId, {
        attemptId: 'dead-attempt',
        leaseExpiresAt: NOW - 3_600_000,
        createdAt: new Date(NOW - 7_200_000).toISOString(),
      }),
    );
    return (await store.get(cashOutId))!;
  }

  /** Changes one attribute of the item behind reconciliation's back. */
  const change = (cashOutId: string, expression: string, values: Record<string, unknown>, names?: Record<string, string>) =>
    tables.db.send(
      new UpdateCommand({
        TableName: tables.names.ledger,
        Key: { cashOutId },
        UpdateExpression: expression,
        ExpressionAttributeValues: values,
        ...(names ? { ExpressionAttributeNames: names } : {}),
      }),
    );

  const settle = { status: 'rejected' as const, reason: 'abandoned_before_payment' };

  test('an item as it was read is written', async () => {
    const seen = await crashed();
    expect(await store.resolve(seen, settle, new Date(NOW))).toBe(true);
    expect(await store.get(seen.cashOutId)).toMatchObject({ status: 'rejected', reason: 'abandoned_before_payment' });
  });

  // Every row has its four columns: jest takes a fourth parameter a row lacks for a done callback.
  const changes: [string, string, Record<string, unknown>, Record<string, string> | undefined][] = [
    ['another status', 'SET #s = :v', { ':v': 'unknown' }, { '#s': 'status' }],
    ['a newer updatedAt', 'SET updatedAt = :v', { ':v': new Date(NOW - 1000).toISOString() }, undefined],
    ['another attempt', 'SET attemptId = :v', { ':v': 'live-attempt' }, undefined],
    ['a lease running again', 'SET leaseExpiresAt = :v', { ':v': NOW + 60_000 }, undefined],
    ['a Stripe event applied', 'SET lastEventCreated = :v', { ':v': Math.floor(NOW / 1000) }, undefined],
    ['an answer recorded', 'SET answer = :v', { ':v': { statusCode: 200, body: {} } }, undefined],
  ];
  test.each(changes)('an item changed since it was read (%s) is not written', async (_what, expression, values, names) => {
    const seen = await crashed();
    await change(seen.cashOutId, expression, values, names);
    const before = await store.get(seen.cashOutId);
    expect(await store.resolve(seen, settle, new Date(NOW))).toBe(false);
    expect(await store.markChecked(seen, new Date(NOW))).toBe(false);
    expect(await store.claim(seen, 'reconcile:x', NOW + 300_000, { statusCode: 500, body: {} }, new Date(NOW))).toBe(false);
    expect(await store.get(seen.cashOutId)).toEqual(before);
  });

  test('a compensation records its outcome only under its own claim, and only from the status it claimed or to the one it writes', async () => {
    const seen = await crashed();
    expect(await store.claim(seen, 'reconcile:mine', NOW + 300_000, { statusCode: 500, body: {} }, new Date(NOW))).toBe(true);
    const held = { ...seen, attemptId: 'reconcile:mine' };
    expect(await store.finish(held, 'reconcile:theirs', { status: 'canceled' }, new Date(NOW))).toBe(false);
    await change(seen.cashOutId, 'SET #s = :v', { ':v': 'failed' }, { '#s': 'status' });
    expect(await store.finish(held, 'reconcile:mine', { status: 'canceled' }, new Date(NOW))).toBe(false);
    expect(await store.get(seen.cashOutId)).toMatchObject({ status: 'failed', attemptId: 'reconcile:mine' });
    await change(seen.cashOutId, 'SET #s = :v', { ':v': 'processing' }, { '#s': 'status' });
    expect(await store.finish(held, 'reconcile:mine', { status: 'canceled' }, new Date(NOW))).toBe(true);
    expect(await store.get(seen.cashOutId)).toMatchObject({
      status: 'canceled',
      statusShard: expect.stringMatching(/^canceled#/) as unknown,
    });
  });

  test('a cash-out that does not exist is never created by a reconciliation write', async () => {
    const seen = { ...(await crashed()), cashOutId: 'co_guard_never_claimed' };
    expect(await store.resolve(seen, settle, new Date(NOW))).toBe(false);
    expect(await store.finish(seen, seen.attemptId, { status: 'canceled' }, new Date(NOW))).toBe(false);
    expect(await store.get('co_guard_never_claimed')).toBeUndefined();
  });
});

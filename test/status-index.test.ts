import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ReconcileStore } from '../functions/reconcile/store.js';
import { LedgerStore, type LedgerItem } from '../functions/shared/ledger.js';
import { itemsByStatus, shardOf, STATUS_SHARDS, statusShard } from '../functions/shared/status-index.js';
import { createTestTables, type TestTables } from './support/dynamo.js';

let tables: TestTables;
let ledger: LedgerStore;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const ids = Array.from({ length: 48 }, (_, n) => `co_shard_${n}`);

/** A claim as the cash-out handler makes it, each a second after the one before. */
async function claim(cashOutId: string, at: number): Promise<void> {
  const result = await ledger.claim({
    cashOutId,
    mode: 'payout',
    destinationEmail: 'ada@example.com',
    amount: '1.00',
    currency: 'USD',
    amountMinor: 100,
    fingerprint: 'f',
    stripeIdempotencyKey: `village-cash-out:${cashOutId}`,
    attemptId: `attempt-${cashOutId}`,
    leaseExpiresAt: at + 60_000,
    createdAt: new Date(at).toISOString(),
    payload: '{}',
  });
  expect(result.claimed).toBe(true);
}

const all = async (query: Parameters<typeof itemsByStatus>[1]) => {
  const found: LedgerItem[] = [];
  for await (const item of itemsByStatus<LedgerItem>(tables.db, query)) found.push(item);
  return found;
};

beforeAll(async () => {
  tables = await createTestTables();
  ledger = new LedgerStore(tables.db, tables.names.ledger);
  for (const [n, id] of ids.entries()) await claim(id, T0 + n * 1000);
});
afterAll(() => tables.db.destroy());

describe('the ledger index by status, sharded', () => {
  test('a claim is written under its status and shard, and the claims of one status land on every shard', async () => {
    const shards = new Set<string>();
    for (const id of ids) {
      const { Item } = await tables.db.send(new GetCommand({ TableName: tables.names.ledger, Key: { cashOutId: id } }));
      expect(Item?.statusShard).toBe(`processing#${shardOf(id)}`);
      shards.add(Item?.statusShard as string);
    }
    expect(shards.size).toBe(STATUS_SHARDS);
  });

  test('reading one status sees every item of every shard, oldest first, or newest first', async () => {
    const oldestFirst = await all({ tableName: tables.names.ledger, status: 'processing' });
    expect(oldestFirst.map((item) => item.cashOutId)).toEqual(ids);
    const newestFirst = await all({ tableName: tables.names.ledger, status: 'processing', newestFirst: true });
    expect(newestFirst.map((item) => item.cashOutId)).toEqual([...ids].reverse());
  });

  test('a range on updatedAt and a filter apply on every shard', async () => {
    const middle = await all({ tableName: tables.names.ledger, status: 'processing', after: new Date(T0 + 40_000).toISOString() });
    expect(middle.map((item) => item.cashOutId)).toEqual(ids.slice(40));
    const early = await all({
      tableName: tables.names.ledger,
      status: 'processing',
      before: new Date(T0 + 5_000).toISOString(),
      filter: 'amountMinor = :amount',
      values: { ':amount': 100 },
    });
    expect(early.map((item) => item.cashOutId)).toEqual(ids.slice(0, 6));
  });

  test('a status change moves the item to the new status’s shard; the old status no longer lists it', async () => {
    const [moved] = ids;
    expect(
      await ledger.update(moved!, `attempt-${moved}`, { status: 'pending', answer: { statusCode: 200, body: {} } }, new Date(T0 + 100_000)),
    ).toBe(true);
    const { Item } = await tables.db.send(new GetCommand({ TableName: tables.names.ledger, Key: { cashOutId: moved } }));
    expect(Item?.statusShard).toBe(statusShard(moved!, 'pending'));
    expect((await all({ tableName: tables.names.ledger, status: 'pending' })).map((item) => item.cashOutId)).toEqual([moved]);
    expect((await all({ tableName: tables.names.ledger, status: 'processing' })).map((item) => item.cashOutId)).not.toContain(moved);
    // The operator list (npm run payouts) reads through the same function.
    const listed = await new ReconcileStore(tables.db, tables.names.ledger).list({ limit: 100 });
    expect(listed).toHaveLength(ids.length);
    expect(listed[0]!.cashOutId).toBe(moved);
  });

  test('the shard is a pure function of the id, within range', () => {
    for (const id of ids) {
      expect(shardOf(id)).toBe(shardOf(id));
      expect(shardOf(id)).toBeGreaterThanOrEqual(0);
      expect(shardOf(id)).toBeLessThan(STATUS_SHARDS);
    }
  });
});

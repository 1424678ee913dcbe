import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { connectedAccountsWithCashOuts } from '../functions/catch-up/accounts.js';
import { backfillShards } from '../operator/shard-backfill.js';
import { eventShardQueries, recordsByKind } from '../operator/indexes.js';
import { mergeByTime } from '../functions/shared/sharded-index.js';
import { itemsByStatus } from '../functions/shared/status-index.js';
import { createTestTables, type TestTables } from './support/dynamo.js';

/**
 * Items written before the indexes were sharded (by a stack deployed before the shards) have no
 * `statusShard` / `kindShard` / `providerShard`: the sharded indexes do not hold them, so
 * reconciliation, catch-up's account listing, the console and `payouts list` never see them —
 * an open cash-out nobody reconciles. The backfill writes the shard on each; run once after
 * the upgrade, it leaves every reader seeing everything.
 */
let tables: TestTables;
const at = '2026-01-01T00:00:00.000Z';

beforeAll(async () => {
  tables = await createTestTables();
  const put = (table: string, item: Record<string, unknown>) => tables.db.send(new PutCommand({ TableName: table, Item: item }));
  // As the gateway wrote them before the shards: no shard attribute.
  await put(tables.names.ledger, {
    cashOutId: 'co_old_unknown',
    status: 'unknown',
    mode: 'payout',
    accountId: 'acct_old',
    updatedAt: at,
    createdAt: at,
  });
  await put(tables.names.ledger, {
    cashOutId: 'co_new',
    status: 'paid',
    statusShard: 'paid#3',
    mode: 'payout',
    accountId: 'acct_new',
    updatedAt: at,
    createdAt: at,
  });
  await put(tables.names.records, {
    id: 'pi_old',
    kind: 'transaction',
    status: 'capture_succeeded',
    provider: 'stripe',
    sourceId: 'platform',
    updatedAt: at,
  });
  await put(tables.names.events, { eventKey: 'stripe:evt_old', provider: 'stripe', type: 'payout.paid', receivedAt: at, payload: '{}' });
});
afterAll(() => tables.db.destroy());

async function collect<T>(items: AsyncGenerator<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('items written before the sharded indexes', () => {
  test('are invisible to the readers until backfilled; after it, every reader finds them, and a second run changes nothing', async () => {
    const unknown = () =>
      collect(itemsByStatus<{ cashOutId: string; updatedAt: string }>(tables.db, { tableName: tables.names.ledger, status: 'unknown' }));
    expect(await unknown()).toEqual([]);

    const counts = await backfillShards(tables.db, tables.names);
    expect(counts).toEqual({ ledger: 1, records: 1, events: 1 });

    expect((await unknown()).map((item) => item.cashOutId)).toEqual(['co_old_unknown']);
    expect(await connectedAccountsWithCashOuts(tables.db, tables.names.ledger, Date.parse(at) / 1000)).toEqual(['acct_new', 'acct_old']);
    expect(
      (
        await collect(
          recordsByKind<{ id: string; updatedAt: string }>(tables.db, { tableName: tables.names.records, value: 'transaction' }),
        )
      ).map((item) => item.id),
    ).toEqual(['pi_old']);
    const events = await collect(
      mergeByTime<{ eventKey: string; receivedAt: string }>(
        tables.db,
        eventShardQueries({ tableName: tables.names.events, value: 'stripe' }),
        (item) => item.receivedAt,
      ),
    );
    expect(events.map((item) => item.eventKey)).toEqual(['stripe:evt_old']);
    // An item written with its shard is left as it was.
    expect((await tables.db.send(new GetCommand({ TableName: tables.names.ledger, Key: { cashOutId: 'co_new' } }))).Item?.statusShard).toBe(
      'paid#3',
    );

    expect(await backfillShards(tables.db, tables.names)).toEqual({ ledger: 0, records: 0, events: 0 });
  });
});

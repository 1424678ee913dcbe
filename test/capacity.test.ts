import { describe, expect, test } from '@jest/globals';
import {
  capacityAt,
  capacityLines,
  ceiling,
  keyValuesOf,
  LIMITS,
  withCashOutLimits,
  type KeyValues,
  type PerEventLoad,
} from '../bench/capacity.js';
import { memoryOptions } from '../bench/cost.js';
import { TABLES } from '../infra/tables.js';

/** A route like the Stripe one: 3 WRU on its events table, 2 on its records table and 1 on that table's index, 13 ms billed. */
const load: PerEventLoad = {
  routeId: 'example',
  billedMs: 13,
  writes: { events: { table: 3, indexes: {} }, records: { table: 2, indexes: { byKind: 1 } } },
};
const oneKeyValue: KeyValues = (_table, index) => (index === 'byKind' ? 1 : undefined);
const eightKeyValues: KeyValues = (_table, index) => (index === 'byKind' ? 8 : undefined);

describe('capacity model', () => {
  test('write units per table and per index key value, and Lambda concurrency, scale with the rate', () => {
    const row = capacityAt(load, 1000, eightKeyValues);
    expect(row.concurrency).toBe(13);
    expect(row.tables).toEqual([
      { tableId: 'events', writeUnitsPerSecond: 3000, indexes: [] },
      {
        tableId: 'records',
        writeUnitsPerSecond: 2000,
        indexes: [{ index: 'byKind', writeUnitsPerSecond: 1000, perKeyValue: 125, keyValues: 8 }],
      },
    ]);
  });

  test('100 events/s hits nothing; the nearest limit is named', () => {
    const row = capacityAt(load, 100, oneKeyValue);
    expect(row.firstLimitHit).toBeUndefined();
    expect(row.nearest.limit).toMatch(/byKind: one partition key value/);
    expect(row.nearest.utilisation).toBe(0.1);
  });

  test('an index on one key value throttles at 1,000 WRU/s: the first limit at 1,000 events/s', () => {
    const row = capacityAt(load, 1000, oneKeyValue);
    expect(row.firstLimitHit).toMatchObject({ demand: 1000, capacity: LIMITS.dynamoPartitionWcu, utilisation: 1 });
    expect(ceiling(load, oneKeyValue)).toEqual({
      eventsPerSecond: 1000,
      limit: expect.stringMatching(/records\/byKind: one partition key value of 1/),
    });
  });

  test('sharded eight ways, the index is no longer first: a new table at 4,000 WRU/s is, then API Gateway', () => {
    expect(ceiling(load, eightKeyValues, { newTables: true })).toEqual({
      eventsPerSecond: 1333,
      limit: expect.stringMatching(/events: new on-demand table/),
    });
    expect(ceiling(load, eightKeyValues)).toEqual({
      eventsPerSecond: 8000,
      limit: expect.stringMatching(/byKind: one partition key value of 8/),
    });
    const row = capacityAt(load, 10_000, eightKeyValues);
    expect(row.firstLimitHit?.limit).toMatch(/events: new on-demand table/);
    expect(row.firstLimitHit?.utilisation).toBe(7.5);
    // …and every other limit is listed with its use, API Gateway's account quota at exactly 100 %.
    expect(row.limits.find((limit) => limit.limit.startsWith('API Gateway'))).toMatchObject({ demand: 10_000, utilisation: 1 });
  });

  test('a slow route meets Lambda concurrency first', () => {
    const slow: PerEventLoad = { routeId: 'slow', billedMs: 650, writes: { ledger: { table: 2, indexes: {} } } };
    expect(ceiling(slow, oneKeyValue)).toEqual({ eventsPerSecond: 1538, limit: expect.stringMatching(/^Lambda concurrency/) });
    expect(capacityAt(slow, 1000, oneKeyValue).concurrency).toBe(650);
  });

  describe("a cash-out's limits", () => {
    // The Village route as last measured: the ledger's own writes, its sharded index by status, its index by payout id.
    const village: PerEventLoad = {
      routeId: 'village-cash-out',
      billedMs: 613.4,
      writes: { ledger: { table: 3, indexes: { byStatusShard: 5, byStripeObjectId: 1 } } },
    };
    const keyValues = keyValuesOf(TABLES);

    test('write the usage table in one transaction: the reservation, the recipient counter and one platform shard, 2 write units each', () => {
      const withLimits = withCashOutLimits(village);
      expect(withLimits.writes.usage).toEqual({
        table: 6,
        indexes: {},
        hotItems: { perEvent: 2, items: 4, label: expect.stringContaining('platform counter') },
      });
      expect(withCashOutLimits(withLimits)).toEqual(withLimits);
      expect(withCashOutLimits(load)).toBe(load);
      const at1000 = capacityAt(withLimits, 1000, keyValues).tables.find((table) => table.tableId === 'usage');
      expect(at1000).toMatchObject({ writeUnitsPerSecond: 6000, hotItems: { perItem: 500, items: 4 } });
    });

    test('keep the ceiling at 1,600 cash-outs a second (the ledger index first; a platform counter shard at 2,000); a usage table not pre-warmed takes 666', () => {
      const withLimits = withCashOutLimits(village);
      expect(ceiling(withLimits, keyValues)).toEqual(ceiling(village, keyValues));
      expect(ceiling(withLimits, keyValues)).toEqual({ eventsPerSecond: 1600, limit: expect.stringMatching(/ledger\/byStatusShard/) });
      // One currency's platform counter alone: 4 items of 1,000 WRU/s at 2 units a cash-out.
      const counterOnly = { ...withLimits, billedMs: 0, writes: { usage: { ...withLimits.writes.usage!, table: 0 } } };
      expect(ceiling(counterOnly, keyValues)).toEqual({ eventsPerSecond: 2000, limit: expect.stringMatching(/platform counter/) });
      expect(ceiling(withLimits, keyValues, { newTables: true })).toEqual({
        eventsPerSecond: 666,
        limit: expect.stringMatching(/^DynamoDB usage: new on-demand table/),
      });
      const lines = capacityLines([withLimits], keyValues).join('\n');
      expect(lines).toContain('hot items WRU/s: usage 500 on each of 4 items');
      expect(lines).toContain('ceiling: 1,600 events/s');
    });
  });

  test('key values come from the table definitions', () => {
    const keyValues = keyValuesOf(TABLES);
    expect(keyValues('ledger', 'byStripeObjectId')).toBeUndefined();
    expect(keyValues('nope', 'byStatus')).toBeUndefined();
  });
});

describe('memory sizes', () => {
  test('waiting does not stretch with less memory; CPU time does, below one vCPU (1,769 MB)', () => {
    const [m128, m256, m512, m1024, m1769] = memoryOptions({ wallMs: 620, cpuMs: 10 });
    expect(m1769!.durationMs).toBe(620);
    expect(m1024!.durationMs).toBeCloseTo(610 + 17.275, 1);
    expect(m512!.durationMs).toBeCloseTo(610 + 34.551, 1);
    expect(m128!.durationMs).toBeGreaterThan(m256!.durationMs);
    // Compute cost ~ duration × memory: mostly waiting, so half the memory is about half the cost.
    expect(m512!.lambdaPerMillion).toBeLessThan(m1024!.lambdaPerMillion * 0.6);
  });
});

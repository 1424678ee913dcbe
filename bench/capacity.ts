/**
 * The capacity model: what a route's measured per-event figures come to at a given rate, and
 * which AWS quota or DynamoDB limit that rate meets first. Plain arithmetic, numbers in and
 * numbers out (test/capacity.test.ts); DynamoDB Local enforces no partition limits, so this is
 * a model, from the write units the benchmark counted per event, index writes included.
 */

import { PLATFORM_SHARDS } from '../functions/shared/usage-counters.js';
import type { TableDefinition } from '../infra/tables.js';

/** The limits a route meets as it grows, with AWS's defaults (us-east-1; most can be raised on request). */
export const LIMITS = {
  /** API Gateway: requests per second per account and region, all APIs together (soft quota). */
  apiGatewayAccountRps: 10_000,
  /** Lambda: concurrent executions per account and region, all functions together (soft quota). */
  lambdaConcurrency: 1_000,
  /** DynamoDB: write units per second one partition takes; one partition key value never spans partitions. */
  dynamoPartitionWcu: 1_000,
  /** DynamoDB on-demand: write units per second per table, and per global secondary index (soft quota). */
  dynamoTableWcu: 40_000,
  /** DynamoDB on-demand: what a new table takes at once before it has scaled (or been pre-warmed with warm throughput). */
  dynamoNewTableWcu: 4_000,
} as const;

export const RATES = [100, 1_000, 10_000] as const;

/** What one new event of a route costs, as measured. */
export interface PerEventLoad {
  routeId: string;
  /** Mean billed duration of one invocation, ms. */
  billedMs: number;
  /** Write units per event by table id: the table's own, and each global secondary index's. */
  writes: Record<string, TableLoad>;
}

export interface TableLoad {
  table: number;
  indexes: Record<string, number>;
  /**
   * Write units per event on a few items every event writes (the table's own partition key
   * values, not an index's): `perEvent` units spread over `items` items, each one partition.
   */
  hotItems?: { perEvent: number; items: number; label: string };
}

/**
 * What a cash-out writes to the usage table (functions/shared/usage.ts), modelled rather than
 * measured: one TransactWriteItems of the reservation item, the recipient's counter and one of
 * the currency's PLATFORM_SHARDS platform counters, each under 1 KB and 2 write units in a
 * transaction. The platform counters are the hot items: with every cash-out in one currency
 * (the worst case), each takes a PLATFORM_SHARDS-th of the cash-outs. A cash-out its shard has
 * no room for is split over more (rare: near the day's limit); a give-back happens only to
 * cash-outs not paid. Neither is counted.
 */
export const CASH_OUT_USAGE = { itemsWritten: 3, unitsPerItem: 2, platformShards: PLATFORM_SHARDS } as const;

/** The Village route's load with the usage table's writes in it (replacing any measured: DynamoDB Local reports no transactional units). */
export function withCashOutLimits(load: PerEventLoad): PerEventLoad {
  if (load.routeId !== 'village-cash-out') return load;
  const { itemsWritten, unitsPerItem, platformShards } = CASH_OUT_USAGE;
  const usage: TableLoad = {
    table: itemsWritten * unitsPerItem,
    indexes: {},
    hotItems: { perEvent: unitsPerItem, items: platformShards, label: `one currency's platform counter, sharded ${platformShards} ways` },
  };
  return { ...load, writes: { ...load.writes, usage } };
}

/**
 * Over how many partition key values a route's writes to an index spread: a status or a kind
 * is a handful of values, a sharded key N of them; `undefined` when the key is about one per
 * item (an id), which spreads by itself.
 */
export type KeyValues = (tableId: string, indexName: string) => number | undefined;

/** KeyValues as the table definitions (infra/tables.ts) state them. */
export function keyValuesOf(tables: readonly TableDefinition[]): KeyValues {
  return (tableId, indexName) => tables.find((table) => table.id === tableId)?.indexes.find((index) => index.name === indexName)?.keyValues;
}

export interface LimitUse {
  limit: string;
  /** What the route asks of it at this rate (requests/s, concurrent executions, write units/s). */
  demand: number;
  capacity: number;
  /** demand / capacity: 1 or more is throttled. */
  utilisation: number;
}

export interface CapacityAtRate {
  routeId: string;
  eventsPerSecond: number;
  /** Lambda concurrency: rate × billed duration. */
  concurrency: number;
  /** Write units per second by table (the table's own) and, for each index, on its busiest partition key value. */
  tables: {
    tableId: string;
    writeUnitsPerSecond: number;
    indexes: { index: string; writeUnitsPerSecond: number; perKeyValue?: number; keyValues?: number }[];
    hotItems?: { label: string; perItem: number; items: number };
  }[];
  limits: LimitUse[];
  /** The most used limit at or past 1: the one that throttles first. */
  firstLimitHit?: LimitUse;
  /** The most used limit when none is reached. */
  nearest: LimitUse;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Every limit a route meets, with what it asks of each per event (per unit of rate). */
function perEventDemands(
  load: PerEventLoad,
  keyValues: KeyValues,
): { limit: string; perEvent: number; capacity: number; warmUp?: boolean }[] {
  const demands: { limit: string; perEvent: number; capacity: number; warmUp?: boolean }[] = [
    { limit: 'API Gateway account requests/s (10,000, all routes)', perEvent: 1, capacity: LIMITS.apiGatewayAccountRps },
    { limit: 'Lambda concurrency (1,000, all functions)', perEvent: load.billedMs / 1000, capacity: LIMITS.lambdaConcurrency },
  ];
  for (const [tableId, writes] of Object.entries(load.writes)) {
    if (writes.table > 0) {
      demands.push({
        limit: `DynamoDB ${tableId}: new on-demand table (4,000 WRU/s until scaled or pre-warmed)`,
        perEvent: writes.table,
        capacity: LIMITS.dynamoNewTableWcu,
        warmUp: true,
      });
      demands.push({ limit: `DynamoDB ${tableId}: table (40,000 WRU/s)`, perEvent: writes.table, capacity: LIMITS.dynamoTableWcu });
    }
    if (writes.hotItems && writes.hotItems.perEvent > 0) {
      const hot = writes.hotItems;
      demands.push({
        limit: `DynamoDB ${tableId}: one item of ${hot.label} (1,000 WRU/s)`,
        perEvent: hot.perEvent / hot.items,
        capacity: LIMITS.dynamoPartitionWcu,
      });
    }
    for (const [index, units] of Object.entries(writes.indexes)) {
      if (units <= 0) continue;
      const values = keyValues(tableId, index);
      demands.push({ limit: `DynamoDB ${tableId}/${index}: index (40,000 WRU/s)`, perEvent: units, capacity: LIMITS.dynamoTableWcu });
      if (values !== undefined)
        demands.push({
          limit: `DynamoDB ${tableId}/${index}: one partition key value of ${values} (1,000 WRU/s)`,
          perEvent: units / values,
          capacity: LIMITS.dynamoPartitionWcu,
        });
    }
  }
  return demands;
}

export function capacityAt(load: PerEventLoad, eventsPerSecond: number, keyValues: KeyValues): CapacityAtRate {
  const limits = perEventDemands(load, keyValues)
    .map(({ limit, perEvent, capacity }) => ({
      limit,
      demand: round(perEvent * eventsPerSecond),
      capacity,
      utilisation: round((perEvent * eventsPerSecond) / capacity, 3),
    }))
    .sort((a, b) => b.utilisation - a.utilisation);
  const top = limits[0]!;
  return {
    routeId: load.routeId,
    eventsPerSecond,
    concurrency: round((eventsPerSecond * load.billedMs) / 1000),
    tables: Object.entries(load.writes).map(([tableId, writes]) => ({
      tableId,
      writeUnitsPerSecond: round(writes.table * eventsPerSecond),
      indexes: Object.entries(writes.indexes).map(([index, units]) => {
        const values = keyValues(tableId, index);
        return {
          index,
          writeUnitsPerSecond: round(units * eventsPerSecond),
          ...(values === undefined ? {} : { perKeyValue: round((units * eventsPerSecond) / values), keyValues: values }),
        };
      }),
      ...(writes.hotItems
        ? {
            hotItems: {
              label: writes.hotItems.label,
              perItem: round((writes.hotItems.perEvent * eventsPerSecond) / writes.hotItems.items),
              items: writes.hotItems.items,
            },
          }
        : {}),
    })),
    limits,
    ...(top.utilisation >= 1 ? { firstLimitHit: top } : {}),
    nearest: top,
  };
}

/**
 * The highest rate the route takes before its first limit, and that limit; once its tables
 * have scaled (or were pre-warmed), unless `newTables`.
 */
export function ceiling(load: PerEventLoad, keyValues: KeyValues, { newTables = false } = {}): { eventsPerSecond: number; limit: string } {
  const [first] = perEventDemands(load, keyValues)
    .filter((demand) => demand.perEvent > 0 && (newTables || !demand.warmUp))
    .map(({ limit, perEvent, capacity }) => ({ limit, eventsPerSecond: Math.floor(capacity / perEvent) }))
    .sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  return first!;
}

/** The capacity section of the report, as text. */
export function capacityLines(loads: PerEventLoad[], keyValues: KeyValues, rates: readonly number[] = RATES): string[] {
  const out: string[] = [
    'Capacity model (per route alone; from the per-event write units (the events about one object in order, where measured) and billed ms measured above; AWS defaults, us-east-1)',
  ];
  for (const load of loads) {
    const rows = rates.map((rate) => capacityAt(load, rate, keyValues));
    out.push(`  ${load.routeId}:`);
    for (const row of rows) {
      const tables = row.tables.map((t) => `${t.tableId} ${t.writeUnitsPerSecond}`).join(', ');
      const indexes = row.tables
        .flatMap((t) =>
          t.indexes.map(
            (i) =>
              `${t.tableId}/${i.index} ${i.writeUnitsPerSecond}${i.perKeyValue === undefined ? ' (per item)' : ` (${i.perKeyValue} on each of ${i.keyValues} key value${i.keyValues === 1 ? '' : 's'})`}`,
          ),
        )
        .join(', ');
      const limit = row.firstLimitHit
        ? `FIRST LIMIT HIT: ${row.firstLimitHit.limit} at ${Math.round(row.firstLimitHit.utilisation * 100)}%`
        : `no limit (nearest: ${row.nearest.limit} at ${Math.round(row.nearest.utilisation * 100)}%)`;
      const hot = row.tables
        .flatMap((t) =>
          t.hotItems ? [`${t.tableId} ${t.hotItems.perItem} on each of ${t.hotItems.items} items (${t.hotItems.label})`] : [],
        )
        .join(', ');
      out.push(
        `    ${String(row.eventsPerSecond).padStart(6)}/s: Lambda concurrency ${row.concurrency}; table WRU/s: ${tables}${indexes ? `; index WRU/s: ${indexes}` : ''}${hot ? `; hot items WRU/s: ${hot}` : ''}; ${limit}`,
      );
    }
    const top = ceiling(load, keyValues);
    const fresh = ceiling(load, keyValues, { newTables: true });
    out.push(
      `    ceiling: ${top.eventsPerSecond.toLocaleString('en-US')} events/s, bound by ${top.limit}${fresh.eventsPerSecond < top.eventsPerSecond ? `; on new tables not pre-warmed: ${fresh.eventsPerSecond.toLocaleString('en-US')} events/s (${fresh.limit})` : ''}`,
    );
  }
  return out;
}

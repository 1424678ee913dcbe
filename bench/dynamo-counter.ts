import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB calls and capacity units, as DynamoDB (Local) reports them. */
export interface DynamoUsage {
  reads: number;
  writes: number;
  readUnits: number;
  writeUnits: number;
  /** Of the write units, those spent keeping global secondary indexes up to date. */
  indexWriteUnits: number;
  /** Calls by operation name, e.g. { PutItem: 1, UpdateItem: 2 }. */
  calls: Record<string, number>;
  /** Write units by table name: the table's own, and each global secondary index's. */
  tableWrites: Record<string, TableWrites>;
  /** Milliseconds spent in DynamoDB calls (round trips and the SDK's own work on them); parallel calls each count. */
  ms: number;
}

export interface TableWrites {
  table: number;
  indexes: Record<string, number>;
}

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export const emptyUsage = (): DynamoUsage => ({
  reads: 0,
  writes: 0,
  readUnits: 0,
  writeUnits: 0,
  indexWriteUnits: 0,
  calls: {},
  tableWrites: {},
  ms: 0,
});

/** `a + sign × b`, for each count. */
export function combineUsage(a: DynamoUsage, b: DynamoUsage, sign: 1 | -1): DynamoUsage {
  const sum = (x: number, y: number | undefined) => x + sign * (y ?? 0);
  const calls: Record<string, number> = {};
  for (const name of new Set([...Object.keys(a.calls), ...Object.keys(b.calls)])) {
    const value = sum(a.calls[name] ?? 0, b.calls[name]);
    if (value) calls[name] = value;
  }
  const tableWrites: Record<string, TableWrites> = {};
  for (const name of new Set([...Object.keys(a.tableWrites), ...Object.keys(b.tableWrites)])) {
    const [x, y] = [a.tableWrites[name], b.tableWrites[name]];
    const indexes: Record<string, number> = {};
    for (const index of new Set([...Object.keys(x?.indexes ?? {}), ...Object.keys(y?.indexes ?? {})]))
      indexes[index] = sum(x?.indexes[index] ?? 0, y?.indexes[index]);
    tableWrites[name] = { table: sum(x?.table ?? 0, y?.table), indexes };
  }
  return {
    reads: sum(a.reads, b.reads),
    writes: sum(a.writes, b.writes),
    readUnits: sum(a.readUnits, b.readUnits),
    writeUnits: sum(a.writeUnits, b.writeUnits),
    indexWriteUnits: sum(a.indexWriteUnits, b.indexWriteUnits),
    calls,
    tableWrites,
    ms: sum(a.ms, b.ms),
  };
}

export const usageSince = (now: DynamoUsage, before: DynamoUsage): DynamoUsage => combineUsage(now, before, -1);

type ConsumedCapacity = {
  TableName?: string;
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
};

/**
 * Counts every command the client sends, by wrapping it in a middleware: nothing is guessed.
 * Each call asks for its consumed capacity; a call that fails (a conditional check) still
 * costs a unit in AWS and reports none, so it is counted as one.
 */
export function countDynamoCalls(db: DynamoDBClient | DynamoDBDocumentClient): { usage: DynamoUsage } {
  const counter = { usage: emptyUsage() };
  // A document client shares its DynamoDBClient's stack, so this sees every call either makes.
  (db as DynamoDBClient).middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      const isRead = READS.has(name);
      const isWrite = WRITES.has(name);
      const input = args.input as { ReturnConsumedCapacity?: string; TableName?: string };
      if (isRead || isWrite) input.ReturnConsumedCapacity ??= 'INDEXES';
      const usage = counter.usage;
      usage.calls[name] = (usage.calls[name] ?? 0) + 1;
      if (isRead) usage.reads += 1;
      if (isWrite) usage.writes += 1;
      let units = 1;
      let indexUnits = 0;
      let list: ConsumedCapacity[] = [];
      const started = performance.now();
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
        list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
        if (list.length) units = list.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
        indexUnits = list.reduce(
          (sum, entry) => sum + Object.values(entry.GlobalSecondaryIndexes ?? {}).reduce((s, index) => s + (index.CapacityUnits ?? 0), 0),
          0,
        );
        return result;
      } finally {
        usage.ms += performance.now() - started;
        if (isRead) usage.readUnits += units;
        if (isWrite) {
          usage.writeUnits += units;
          usage.indexWriteUnits += indexUnits;
          // By table: a failed conditional write costs the table one unit and its indexes none.
          if (!list.length && input.TableName) list = [{ TableName: input.TableName, CapacityUnits: 1, Table: { CapacityUnits: 1 } }];
          for (const entry of list) {
            if (!entry.TableName) continue;
            const table = (usage.tableWrites[entry.TableName] ??= { table: 0, indexes: {} });
            const gsi = entry.GlobalSecondaryIndexes ?? {};
            table.table +=
              entry.Table?.CapacityUnits ??
              (entry.CapacityUnits ?? 0) - Object.values(gsi).reduce((s, index) => s + (index.CapacityUnits ?? 0), 0);
            for (const [name, index] of Object.entries(gsi)) table.indexes[name] = (table.indexes[name] ?? 0) + (index.CapacityUnits ?? 0);
          }
        }
      }
    },
    { step: 'initialize', name: 'benchCountDynamoCalls' },
  );
  return counter;
}

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
}

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export const emptyUsage = (): DynamoUsage => ({ reads: 0, writes: 0, readUnits: 0, writeUnits: 0, indexWriteUnits: 0, calls: {} });

export function usageSince(now: DynamoUsage, before: DynamoUsage): DynamoUsage {
  const calls: Record<string, number> = {};
  for (const [name, count] of Object.entries(now.calls)) {
    const delta = count - (before.calls[name] ?? 0);
    if (delta) calls[name] = delta;
  }
  return { reads: now.reads - before.reads, writes: now.writes - before.writes, readUnits: now.readUnits - before.readUnits, writeUnits: now.writeUnits - before.writeUnits, indexWriteUnits: now.indexWriteUnits - before.indexWriteUnits, calls };
}

type ConsumedCapacity = { CapacityUnits?: number; GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }> };

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
      const input = args.input as { ReturnConsumedCapacity?: string };
      if (isRead || isWrite) input.ReturnConsumedCapacity ??= 'INDEXES';
      const usage = counter.usage;
      usage.calls[name] = (usage.calls[name] ?? 0) + 1;
      if (isRead) usage.reads += 1;
      if (isWrite) usage.writes += 1;
      let units = 1;
      let indexUnits = 0;
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
        const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
        if (list.length) units = list.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
        indexUnits = list.reduce((sum, entry) => sum + Object.values(entry.GlobalSecondaryIndexes ?? {}).reduce((s, index) => s + (index.CapacityUnits ?? 0), 0), 0);
        return result;
      } finally {
        if (isRead) usage.readUnits += units;
        if (isWrite) {
          usage.writeUnits += units;
          usage.indexWriteUnits += indexUnits;
        }
      }
    },
    { step: 'initialize', name: 'benchCountDynamoCalls' },
  );
  return counter;
}

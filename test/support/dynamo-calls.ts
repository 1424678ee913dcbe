import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientWithFault, injectedError, type FaultMatch } from './faults.js';

export interface Call {
  command: string;
  table: string;
  index?: string;
}

/**
 * Records the calls a document client sends while `during` runs ("UpdateItem", the table's
 * logical name, the index): how many round trips a request makes, seen on the wire.
 */
export function callRecorder(db: DynamoDBDocumentClient, tableNames: Record<string, string>) {
  const ids = new Map(Object.entries(tableNames).map(([id, name]) => [name, id] as const));
  const calls: Call[] = [];
  /** The write units each recorded write consumed, as DynamoDB reports them: the table's, and its indexes'. */
  const writeUnits: { table: number; indexes: number }[] = [];
  let recording = false;
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if (!recording) return next(args);
      const input = args.input as {
        TableName?: string;
        IndexName?: string;
        RequestItems?: Record<string, unknown>;
        ReturnConsumedCapacity?: string;
      };
      const table = input.TableName ?? Object.keys(input.RequestItems ?? {})[0] ?? '';
      const command = String(context.commandName).replace(/Command$/, '');
      calls.push({ command, table: ids.get(table) ?? `unknown table ${table}`, ...(input.IndexName ? { index: input.IndexName } : {}) });
      if (command !== 'PutItem' && command !== 'UpdateItem') return next(args);
      input.ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      type Consumed = { Table?: { CapacityUnits?: number }; GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }> };
      const consumed = (result.output as { ConsumedCapacity?: Consumed }).ConsumedCapacity;
      writeUnits.push({
        table: consumed?.Table?.CapacityUnits ?? 0,
        indexes: Object.values(consumed?.GlobalSecondaryIndexes ?? {}).reduce((sum, index) => sum + (index.CapacityUnits ?? 0), 0),
      });
      return result;
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return {
    calls,
    writeUnits,
    async during<T>(work: () => Promise<T>): Promise<T> {
      calls.length = 0;
      writeUnits.length = 0;
      recording = true;
      try {
        return await work();
      } finally {
        recording = false;
      }
    },
  };
}

/**
 * A real document client to DynamoDB Local whose matching calls reach DynamoDB and land, but
 * whose answer is lost on the way back (a timeout or a reset after the write): the caller
 * sees a network error for a write that happened.
 */
export function answerLostClient(endpoint: string, when: FaultMatch): DynamoDBDocumentClient {
  return clientWithFault(endpoint, when, 'loseAnswers', async (send) => {
    await send();
    throw injectedError('TimeoutError', 'the answer was lost after the write landed');
  });
}

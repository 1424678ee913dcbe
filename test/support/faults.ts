import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../../functions/shared/dynamodb.js';

/**
 * A real document client to DynamoDB Local whose calls fail while `when` says so: a
 * network fault injected below the store, so everything above it runs as in production.
 */
export function faultyDocumentClient(
  endpoint: string,
  when: (command: string, input: Record<string, unknown>) => boolean,
): DynamoDBDocumentClient {
  const db = makeDocumentClient({ endpoint });
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if (when(String(context.commandName), args.input as Record<string, unknown>)) {
        throw Object.assign(new Error('Injected fault: DynamoDB unreachable'), { name: 'NetworkingError', $metadata: {} });
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectFaults' },
  );
  return db;
}

/**
 * A real document client to DynamoDB Local whose matching calls are held for `delayMs` before
 * they are sent: a throttled or slow DynamoDB, as the SDK's retries and back-off make it look.
 * The held call is still sent afterwards, as a retried request would be.
 */
export function slowDocumentClient(
  endpoint: string,
  when: (command: string, input: Record<string, unknown>) => boolean,
  delayMs: number,
): DynamoDBDocumentClient {
  const db = makeDocumentClient({ endpoint });
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if (when(String(context.commandName), args.input as Record<string, unknown>))
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      return next(args);
    },
    { step: 'initialize', name: 'slowCalls' },
  );
  return db;
}

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../../functions/shared/dynamodb.js';

/**
 * A real document client to DynamoDB Local whose calls fail while `when` says so: a
 * network fault injected below the store, so everything above it runs as in production.
 */
export function faultyDocumentClient(endpoint: string, when: (command: string, input: Record<string, unknown>) => boolean): DynamoDBDocumentClient {
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

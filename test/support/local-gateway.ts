import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { request as httpRequest } from 'node:http';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../../functions/shared/dynamodb.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/environment.js';
import { SECRETS } from '../../infra/secrets.js';
import { TABLES } from '../../infra/tables.js';

/**
 * The whole local gateway (`npm start`'s code) on a free port, against the run's DynamoDB
 * Local with tables of its own and the Stripe stand-in: for tests over real HTTP.
 */
export async function startTestGateway(): Promise<
  LocalEnvironment & { secret(env: string): string; itemCounts(): Promise<Record<string, number>> }
> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  for (const secret of SECRETS) delete process.env[secret.env];
  delete process.env.STRIPE_API_BASE;
  for (const table of TABLES) delete process.env[table.env];
  // Merchant sources' secrets in a directory of this gateway's own, never the project's .local/.
  process.env.STRIPE_SOURCE_SECRETS_DIR = mkdtempSync(path.join(tmpdir(), 'gateway-sources-'));
  const local = await startLocalEnvironment({ port: 0, tablePrefix: `h${randomBytes(4).toString('hex')}` });
  const db = makeDocumentClient({ endpoint: local.dynamoEndpoint });
  return {
    ...local,
    secret: (env) => process.env[env] ?? '',
    async itemCounts() {
      const counts: Record<string, number> = {};
      for (const [id, table] of Object.entries(local.tables)) {
        let count = 0;
        let start: Record<string, unknown> | undefined;
        do {
          const page = await db.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
          count += page.Count ?? 0;
          start = page.LastEvaluatedKey;
        } while (start);
        counts[id] = count;
      }
      return counts;
    },
  };
}

export interface RawResponse {
  status: number;
  body: string;
}

/** A POST with headers given as raw lines (so a header can be repeated or oddly cased). */
export function post(url: string, body: Buffer | string, rawHeaders: [string, string][]): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of rawHeaders) {
      const existing = headers[name];
      headers[name] = existing === undefined ? value : [existing, value].flat();
    }
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs tasks with at most `limit` in flight. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

import { request } from 'node:http';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { operatorDeps, type OperatorDeps } from '../../operator/wiring.js';
import { systemClock, type Clock } from '../../functions/shared/clock.js';
import { bundleAssets, type ConsoleAssets } from '../../operator/console/assets.js';
import { startConsole, type RunningConsole } from '../../operator/console/server.js';
import { StripeStandIn } from '../../dev/stripe-stand-in.js';
import { createTestTables, type TestTables } from './dynamo.js';
import { stripeHarness, type StripeHarness } from './stripe-events.js';
import { silentLogger } from './telemetry.js';

export const OPERATOR_ARN = 'arn:aws:sts::123456789012:assumed-role/Operator/jane';

export interface Response {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface ConsoleHarness {
  tables: TestTables;
  deps: OperatorDeps;
  console: RunningConsole;
  standIn: StripeStandIn;
  /** The Stripe events route over the same tables, to deliver signed events. */
  stripe: StripeHarness;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** A form POST carrying the console's token unless told otherwise. */
  post(
    path: string,
    form: Record<string, string>,
    options?: { headers?: Record<string, string>; token?: string | null },
  ): Promise<Response>;
  /** Every item of every table, to show that something wrote nothing. */
  snapshot(): Promise<Record<string, unknown[]>>;
  stop(): Promise<void>;
}

let assets: Promise<ConsoleAssets> | undefined;

/** The console on its own tables in the run's DynamoDB Local, a Stripe stand-in for reconciliation, on a free port. */
export async function consoleHarness(
  options: { who?: string; clock?: Clock; bulkLimit?: number; tables?: TestTables } = {},
): Promise<ConsoleHarness> {
  const tables = options.tables ?? (await createTestTables());
  const standIn = new StripeStandIn();
  await standIn.start();
  const deps = operatorDeps({
    tables: tables.names,
    endpoint: tables.endpoint,
    who: options.who ?? OPERATOR_ARN,
    logger: silentLogger(),
    clock: options.clock ?? systemClock,
    db: tables.db,
    stripeEnv: { STRIPE_API_BASE: standIn.url, STRIPE_SECRET_KEY: 'sk_test_console_harness' },
  });
  assets ??= bundleAssets();
  const running = await startConsole(
    { deps, assets: await assets, where: 'test tables', livemode: false, bulkLimit: options.bulkLimit },
    { port: 0 },
  );
  const stripe = await stripeHarness({}, tables);
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(path, running.url);
      const req = request(
        {
          host: '127.0.0.1',
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method,
          headers: { host: target.host, ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    tables,
    deps,
    console: running,
    standIn,
    stripe,
    get: (path, headers = {}) => send('GET', path, headers),
    post(path, form, postOptions = {}) {
      const token = postOptions.token === undefined ? running.token : postOptions.token;
      const body = new URLSearchParams({ ...form, ...(token === null ? {} : { token }) }).toString();
      return send('POST', path, { 'content-type': 'application/x-www-form-urlencoded', origin: running.url, ...postOptions.headers }, body);
    },
    async snapshot() {
      const all: Record<string, unknown[]> = {};
      for (const [id, table] of Object.entries(tables.names)) {
        const items = (await tables.db.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
        all[id] = items
          .map((item) => JSON.stringify(item, (_key, value: unknown) => (value instanceof Set ? [...value].sort() : value)))
          .sort();
      }
      return all;
    },
    async stop() {
      await running.close();
      await standIn.stop();
      if (!options.tables) tables.db.destroy();
    },
  };
}

/** The text of a page without its tags, whitespace folded: for "the page says …". */
export const text = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

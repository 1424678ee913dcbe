import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PROJECT_ROOT } from '../infra/project-root.js';
import { ROUTES, routePaths } from '../infra/routes.js';
import { SECRETS } from '../infra/secrets.js';
import { TABLES } from '../infra/tables.js';
import { createTables, tableNames } from './create-tables.js';
import { UsageError } from './command-errors.js';
import { LOCAL_PORTS, localPort, type LocalPortName } from './defaults.js';
import { portInUse, probeDynamoDb, startDynamoDbLocal } from './dynamodb-local.js';
import { startLocalGateway, type LambdaHandler, type LocalAnswer, type LocalRoute, type RunningGateway } from './gateway.js';
import { StripeStandIn } from './stripe-stand-in.js';
import { endpointClientSettings } from '../functions/shared/dynamodb.js';
import { stripeModeOfKey } from '../functions/shared/stripe.js';

/** Where `npm start` runs the Stripe stand-in unless STRIPE_STAND_IN_PORT says otherwise; `npm run reconcile` looks there. */
export const LOCAL_STRIPE_STAND_IN_PORT = LOCAL_PORTS.STRIPE_STAND_IN_PORT;

/** Where `npm start` and `npm run sources` keep the merchant sources' secrets unless STRIPE_SOURCE_SECRETS_DIR says otherwise (gitignored). */
export const LOCAL_SOURCE_SECRETS_DIR = path.join(PROJECT_ROOT, '.local', 'stripe-sources');

/** The sample recipient `npm run send -- village-cash-out` pays, seeded by `npm start`. */
export const SAMPLE_RECIPIENT = { email: 'ada@example.com', accountId: 'acct_1LocalSampleAda' };

export interface LocalEnvironment {
  gateway: RunningGateway;
  dynamoEndpoint: string;
  stripe: { mode: 'stand-in' | 'custom-base' | 'real'; standIn?: StripeStandIn; apiBase?: string };
  tables: Record<string, string>;
  /** What was chosen, for the start banner; never secret values other than local defaults. */
  notes: string[];
  /** What the person starting it should know before trusting what they see (e.g. stale data). */
  warnings: string[];
  stop(): Promise<void>;
}

export interface LocalOptions {
  env?: NodeJS.ProcessEnv;
  port?: number;
  tablePrefix?: string;
  seedSampleRecipient?: boolean;
  /** Keep DynamoDB Local's data on disk between runs (`npm start -- --keep`, or KEEP_DATA=1), in LOCAL_DATA_DIR or .local/dynamodb. */
  keepData?: boolean;
  /** Told of every answer the gateway gives (`npm start` prints one line each). */
  onAnswer?: (answer: LocalAnswer) => void;
}

/**
 * Everything `npm start` needs, with zero configuration: DynamoDB Local (unless
 * DYNAMODB_ENDPOINT is set) with the stack's tables, secrets from the environment or
 * development defaults, Stripe at STRIPE_API_BASE, real Stripe when a key is set, or else
 * the local stand-in; then the routes, served by the same handler modules as the Lambdas.
 */
export async function startLocalEnvironment(options: LocalOptions = {}): Promise<LocalEnvironment> {
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  await checkPorts(env, options, warnings);
  const start: Start = { env, options, notes: [], started: [] };
  // Whatever has started is stopped again if a later step fails: a failed start leaves nothing running.
  const stopAll = async () => {
    for (const stop of start.started.splice(0).reverse()) await stop();
  };
  try {
    const dynamoEndpoint = await useDynamoDb(start);
    await createLocalTables(start, dynamoEndpoint);
    const stripe = await chooseStripe(start);
    fillSettings(start);
    if (options.seedSampleRecipient ?? true) await seedSampleRecipient(start, dynamoEndpoint);
    const gateway = await serveRoutes(start, await loadRoutes());
    // The stand-in sends its report events to the gateway, signed with the platform's webhook secret.
    stripe.standIn?.reports.webhooks.set('sk_', { url: `${gateway.url}/webhooks/stripe`, secret: env.STRIPE_WEBHOOK_SECRET! });
    const tables = Object.fromEntries(TABLES.map((table) => [table.id, env[table.env]!]));
    return { gateway, dynamoEndpoint, stripe, tables, notes: start.notes, warnings, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** What the steps of a local start share: the environment they fill in, the banner's notes, and how to stop what started. */
interface Start {
  env: NodeJS.ProcessEnv;
  options: LocalOptions;
  notes: string[];
  /** How to stop each thing started so far, in the order it started. */
  started: (() => Promise<void>)[];
}

/** DYNAMODB_ENDPOINT if set; else DynamoDB Local, started here (in memory, or its data kept on disk). */
async function useDynamoDb({ env, options, notes, started }: Start): Promise<string> {
  if (env.DYNAMODB_ENDPOINT) {
    notes.push(`DynamoDB at ${env.DYNAMODB_ENDPOINT} (not started by npm start: its tables keep what they hold)`);
    return env.DYNAMODB_ENDPOINT;
  }
  const dataDir = keptDataDir(env, options.keepData);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const dynamo = await startDynamoDbLocal({ port: env.DYNAMODB_PORT ? localPort(env, 'DYNAMODB_PORT') : undefined, dataDir });
  started.push(dynamo.stop);
  env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  notes.push(
    dataDir
      ? `DynamoDB Local at ${dynamo.endpoint}, its data kept in ${dataDir.startsWith(`${PROJECT_ROOT}${path.sep}`) ? path.relative(PROJECT_ROOT, dataDir) : dataDir} between runs (delete the folder to start afresh)`
      : `DynamoDB Local (in memory) at ${dynamo.endpoint}: its data is lost when npm start stops; \`npm start -- --keep\` keeps it`,
  );
  return dynamo.endpoint;
}

/** The stack's tables, named by TABLE_PREFIX (or `local`) unless their variables name them already. */
async function createLocalTables({ env, options }: Start, endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, ...endpointClientSettings(env) });
  const names = tableNames(options.tablePrefix ?? env.TABLE_PREFIX ?? 'local');
  for (const table of TABLES) env[table.env] ??= names[table.id];
  try {
    await createTables(client, Object.fromEntries(TABLES.map((table) => [table.id, env[table.env]!])) as typeof names);
  } catch (error) {
    throw new Error(`Cannot use DynamoDB at ${endpoint} (DYNAMODB_ENDPOINT): ${(error as Error).message}`, { cause: error });
  } finally {
    client.destroy();
  }
}

/** Stripe at STRIPE_API_BASE; else the real API when STRIPE_SECRET_KEY is set; else the stand-in, started here. */
async function chooseStripe({ env, notes, started }: Start): Promise<LocalEnvironment['stripe']> {
  if (env.STRIPE_API_BASE) {
    env.STRIPE_SECRET_KEY ??= 'sk_test_local_stand_in';
    notes.push(`Stripe API at ${env.STRIPE_API_BASE}`);
    return { mode: 'custom-base', apiBase: env.STRIPE_API_BASE };
  }
  if (env.STRIPE_SECRET_KEY) {
    notes.push('Stripe: the real API with STRIPE_SECRET_KEY (test mode keys recommended)');
    return { mode: 'real' };
  }
  const standIn = new StripeStandIn();
  const port = env.STRIPE_STAND_IN_PORT ? localPort(env, 'STRIPE_STAND_IN_PORT') : 0;
  const apiBase = await onPort('STRIPE_STAND_IN_PORT', port, (chosen) => standIn.start(chosen));
  started.push(() => standIn.stop());
  env.STRIPE_API_BASE = apiBase;
  env.STRIPE_SECRET_KEY = 'sk_test_local_stand_in';
  notes.push(`Stripe: the LOCAL STAND-IN at ${apiBase} (no real money; set STRIPE_SECRET_KEY for Stripe test mode)`);
  return { mode: 'stand-in', standIn, apiBase };
}

/** The settings the handlers read that nobody set: the Stripe mode, development secrets, where sources' secrets live. */
function fillSettings({ env, notes }: Start): void {
  // The gateway's Stripe mode follows its key, as in AWS (where -c stripeMode states it and the key is checked against it).
  env.STRIPE_MODE ??= stripeModeOfKey(env.STRIPE_SECRET_KEY ?? '') ?? 'test';
  notes.push(`Stripe mode: ${env.STRIPE_MODE} (only ${env.STRIPE_MODE}-mode Stripe events are applied)`);
  for (const secret of SECRETS) {
    if (!env[secret.env]) {
      env[secret.env] = secret.localDefault;
      notes.push(`${secret.env} not set: using the development value "${secret.localDefault}"`);
    }
  }
  if (!env.STRIPE_SOURCE_SECRET_PREFIX) {
    env.STRIPE_SOURCE_SECRETS_DIR ??= LOCAL_SOURCE_SECRETS_DIR;
    notes.push(
      `Stripe merchant sources: in table ${env.SOURCES_TABLE}, their secrets in ${env.STRIPE_SOURCE_SECRETS_DIR} (npm run sources -- add …)`,
    );
  }
  env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // A limit an operator sets applies to the next cash-out (in AWS: within LIMITS_CACHE_SECONDS, at most a minute).
  env.LIMITS_CACHE_SECONDS ??= '0';
}

/** The recipient `npm run send -- village-cash-out` pays, unless the recipients table has it already. */
async function seedSampleRecipient({ env, notes }: Start, endpoint: string): Promise<void> {
  const { RecipientStore } = await import('../functions/shared/recipients.js');
  const { makeDocumentClient } = await import('../functions/shared/dynamodb.js');
  const db = makeDocumentClient({ endpoint });
  const recipients = new RecipientStore(db, env.RECIPIENTS_TABLE!);
  if (!(await recipients.get(SAMPLE_RECIPIENT.email))) {
    await recipients.put(SAMPLE_RECIPIENT.email, SAMPLE_RECIPIENT.accountId, new Date());
    notes.push(`Seeded the sample recipient ${SAMPLE_RECIPIENT.email} → ${SAMPLE_RECIPIENT.accountId}`);
  }
  db.destroy();
}

/** Every path of every route in the stack, with the handler module its Lambda runs. */
async function loadRoutes(): Promise<LocalRoute[]> {
  const routes: LocalRoute[] = [];
  for (const route of ROUTES) {
    const module = await importRoute(route.id, route.entry);
    for (const routePath of routePaths(route)) {
      const { method, id: functionName, timeoutSeconds } = route;
      routes.push({ method, path: routePath, functionName, timeoutSeconds, handler: module.handler });
    }
  }
  return routes;
}

async function serveRoutes({ env, options, started }: Start, routes: LocalRoute[]): Promise<RunningGateway> {
  const gateway = await onPort('PORT', options.port ?? localPort(env, 'PORT'), (port) =>
    startLocalGateway(routes, { port, onAnswer: options.onAnswer }),
  );
  started.push(() => gateway.close());
  return gateway;
}

/** Where DynamoDB Local keeps its data when asked to (`--keep` or KEEP_DATA=1/true): LOCAL_DATA_DIR, or .local/dynamodb (git-ignored). */
export function keptDataDir(env: NodeJS.ProcessEnv, keep?: boolean): string | undefined {
  const wanted = keep || ['1', 'true', 'yes'].includes((env.KEEP_DATA ?? '').toLowerCase());
  if (!wanted && env.KEEP_DATA && !['0', 'false', 'no'].includes(env.KEEP_DATA.toLowerCase()))
    throw new UsageError(`KEEP_DATA must be 1 or 0 (true or false), not "${env.KEEP_DATA}".`);
  if (!wanted) return undefined;
  return path.resolve(env.LOCAL_DATA_DIR || path.join(PROJECT_ROOT, '.local', 'dynamodb'));
}

/** A route's handler module; a setting its cold start refuses is a one-line UsageError naming the route. */
async function importRoute(id: string, entry: string): Promise<{ handler: LambdaHandler }> {
  try {
    return (await import(pathToFileURL(path.join(PROJECT_ROOT, entry)).href)) as { handler: LambdaHandler };
  } catch (error) {
    if ((error as Error).name === 'ConfigError') throw new UsageError(`${id}: ${(error as Error).message}`);
    throw error;
  }
}

/**
 * Every port is checked before anything starts, so a taken one fails with a line naming the
 * variable to change, not with a Java error. A DynamoDB Local already on DYNAMODB_PORT is
 * used, with a warning: it was not started here, so its tables may hold an earlier run's data.
 */
async function checkPorts(env: NodeJS.ProcessEnv, options: LocalOptions, warnings: string[]): Promise<void> {
  const wanted: [LocalPortName, number][] = [];
  wanted.push(['PORT', options.port ?? localPort(env, 'PORT')]);
  if (!env.STRIPE_API_BASE && !env.STRIPE_SECRET_KEY && env.STRIPE_STAND_IN_PORT)
    wanted.push(['STRIPE_STAND_IN_PORT', localPort(env, 'STRIPE_STAND_IN_PORT')]);
  if (!env.DYNAMODB_ENDPOINT && env.DYNAMODB_PORT) wanted.push(['DYNAMODB_PORT', localPort(env, 'DYNAMODB_PORT')]);
  for (const [name, port] of wanted) {
    const same = wanted.find(([other, otherPort]) => other !== name && otherPort === port && port !== 0);
    if (same) throw new UsageError(`${name} and ${same[0]} are both ${port}: give one of them another port.`);
  }
  for (const [name, port] of wanted) {
    if (port === 0 || !(await portInUse(port))) continue;
    if (name === 'DYNAMODB_PORT') {
      const endpoint = `http://127.0.0.1:${port}`;
      const tables = await probeDynamoDb(endpoint);
      if (tables !== undefined) {
        env.DYNAMODB_ENDPOINT = endpoint;
        warnings.push(
          `A DynamoDB that this npm start did not start is already on port ${port} (DYNAMODB_PORT)${tables ? `, with ${tables} table${tables === 1 ? '' : 's'}` : ''}; using it. ` +
            'Its data may be stale, from an earlier run. For a fresh one, stop that process or start with another DYNAMODB_PORT.',
        );
        continue;
      }
    }
    throw portTaken(name, port);
  }
}

function portTaken(name: LocalPortName, port: number): Error {
  return new Error(`Port ${port} is taken (${name}): stop what uses it, or choose another port, e.g. ${name}=${port + 1} npm start.`);
}

/** Starts a server on a port checked a moment ago; if it was taken since, the same one line. */
async function onPort<T>(name: LocalPortName, port: number, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portTaken(name, port);
    throw error;
  }
}

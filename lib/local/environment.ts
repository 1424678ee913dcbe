import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PROJECT_ROOT } from '../project-root.js';
import { ROUTES, routePaths } from '../routes.js';
import { SECRETS } from '../secrets.js';
import { TABLES } from '../tables.js';
import { createTables, tableNames } from './create-tables.js';
import { startDynamoDbLocal, type RunningDynamoDb } from './dynamodb-local.js';
import { startLocalGateway, type LambdaHandler, type RunningGateway } from './gateway.js';
import { StripeStandIn } from './stripe-stand-in.js';

/** Where `npm start` runs the Stripe stand-in unless STRIPE_STAND_IN_PORT says otherwise; `npm run reconcile` looks there. */
export const LOCAL_STRIPE_STAND_IN_PORT = 12111;

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
  stop(): Promise<void>;
}

export interface LocalOptions {
  env?: NodeJS.ProcessEnv;
  port?: number;
  tablePrefix?: string;
  seedSampleRecipient?: boolean;
}

/**
 * Everything `npm start` needs, with zero configuration: DynamoDB Local (unless
 * DYNAMODB_ENDPOINT is set) with the stack's tables, secrets from the environment or
 * development defaults, Stripe at STRIPE_API_BASE, real Stripe when a key is set, or else
 * the local stand-in; then the routes, served by the same handler modules as the Lambdas.
 */
export async function startLocalEnvironment(options: LocalOptions = {}): Promise<LocalEnvironment> {
  const env = options.env ?? process.env;
  const notes: string[] = [];
  let dynamo: RunningDynamoDb | undefined;
  if (!env.DYNAMODB_ENDPOINT) {
    dynamo = await startDynamoDbLocal({ port: env.DYNAMODB_PORT ? Number(env.DYNAMODB_PORT) : undefined });
    env.DYNAMODB_ENDPOINT = dynamo.endpoint;
    notes.push(`DynamoDB Local (in memory) at ${dynamo.endpoint}`);
  } else {
    notes.push(`DynamoDB at ${env.DYNAMODB_ENDPOINT}`);
  }
  const client = new DynamoDBClient({ endpoint: env.DYNAMODB_ENDPOINT, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const names = tableNames(options.tablePrefix ?? env.TABLE_PREFIX ?? 'local');
  for (const table of TABLES) env[table.env] ??= names[table.id];
  await createTables(client, Object.fromEntries(TABLES.map((table) => [table.id, env[table.env]!])) as typeof names);

  let stripe: LocalEnvironment['stripe'];
  if (env.STRIPE_API_BASE) {
    stripe = { mode: 'custom-base', apiBase: env.STRIPE_API_BASE };
    env.STRIPE_SECRET_KEY ??= 'sk_test_local_stand_in';
    notes.push(`Stripe API at ${env.STRIPE_API_BASE}`);
  } else if (env.STRIPE_SECRET_KEY) {
    stripe = { mode: 'real' };
    notes.push('Stripe: the real API with STRIPE_SECRET_KEY (test mode keys recommended)');
  } else {
    const standIn = new StripeStandIn();
    env.STRIPE_API_BASE = await standIn.start(env.STRIPE_STAND_IN_PORT ? Number(env.STRIPE_STAND_IN_PORT) : 0);
    env.STRIPE_SECRET_KEY = 'sk_test_local_stand_in';
    stripe = { mode: 'stand-in', standIn, apiBase: env.STRIPE_API_BASE };
    notes.push(`Stripe: the LOCAL STAND-IN at ${env.STRIPE_API_BASE} (no real money; set STRIPE_SECRET_KEY for Stripe test mode)`);
  }

  for (const secret of SECRETS) {
    if (!env[secret.env]) {
      env[secret.env] = secret.localDefault;
      notes.push(`${secret.env} not set: using the development value "${secret.localDefault}"`);
    }
  }
  if (!env.STRIPE_SOURCE_SECRET_PREFIX) {
    env.STRIPE_SOURCE_SECRETS_DIR ??= LOCAL_SOURCE_SECRETS_DIR;
    notes.push(`Stripe merchant sources: in table ${env.SOURCES_TABLE}, their secrets in ${env.STRIPE_SOURCE_SECRETS_DIR} (npm run sources -- add …)`);
  }
  env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  if (options.seedSampleRecipient ?? true) {
    const { RecipientStore } = await import('../../functions/shared/recipients.js');
    const { makeDocumentClient } = await import('../../functions/shared/dynamodb.js');
    const recipients = new RecipientStore(makeDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT }), env.RECIPIENTS_TABLE!);
    if (!(await recipients.get(SAMPLE_RECIPIENT.email))) {
      await recipients.put(SAMPLE_RECIPIENT.email, SAMPLE_RECIPIENT.accountId, new Date());
      notes.push(`Seeded the sample recipient ${SAMPLE_RECIPIENT.email} → ${SAMPLE_RECIPIENT.accountId}`);
    }
  }

  const routes = [];
  for (const route of ROUTES) {
    const module = (await import(pathToFileURL(path.join(PROJECT_ROOT, route.entry)).href)) as { handler: LambdaHandler };
    for (const routePath of routePaths(route)) {
      routes.push({ method: route.method, path: routePath, functionName: route.id, timeoutSeconds: route.timeoutSeconds, handler: module.handler });
    }
  }
  const gateway = await startLocalGateway(routes, { port: options.port ?? Number(env.PORT ?? 3000) });
  client.destroy();

  return {
    gateway,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT,
    stripe,
    tables: Object.fromEntries(TABLES.map((table) => [table.id, env[table.env]!])),
    notes,
    async stop() {
      await gateway.close();
      await stripe.standIn?.stop();
      await dynamo?.stop();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { endpointClientSettings, makeDocumentClient } from '../functions/shared/dynamodb.js';
import { createTables, tableNames, type TableNames } from '../dev/create-tables.js';
import { startDynamoDbLocal, type RunningDynamoDb } from '../dev/dynamodb-local.js';
import { StripeStandIn } from '../dev/stripe-stand-in.js';
import { SECRETS } from '../infra/secrets.js';
import { TABLES } from '../infra/tables.js';
import { countDynamoCalls, type DynamoUsage } from './dynamo-counter.js';

/** What the benchmark runs on: its own DynamoDB Local, tables and Stripe stand-in. */
export interface BenchServices {
  dynamo: RunningDynamoDb;
  tables: TableNames;
  stripe: StripeStandIn;
}

/** What every part of the benchmark shares: its services, and what a route is set up with. */
export interface BenchContext extends BenchServices {
  /** Secret values by environment variable name (the local development values). */
  secrets: Record<string, string>;
  /**
   * The environment a route's index.ts is given (cold start, local gateway): the same
   * variables the stack sets, with values instead of Secrets Manager ARNs, logs silenced.
   */
  routeEnv: Record<string, string>;
  /** A document client made by the routes' own factory, its calls counted. */
  countedClient(): { db: DynamoDBDocumentClient; counter: { usage: DynamoUsage } };
  stop(): Promise<void>;
}

export async function startBenchContext(): Promise<BenchContext> {
  const dynamo = await startDynamoDbLocal();
  const tables = tableNames(`bench${randomBytes(4).toString('hex')}`);
  const admin = new DynamoDBClient({ endpoint: dynamo.endpoint, ...endpointClientSettings() });
  await createTables(admin, tables);
  admin.destroy();
  const stripe = new StripeStandIn();
  await stripe.start();
  return benchContextOn({ dynamo, tables, stripe });
}

/** The context over a running DynamoDB Local, its tables and a started stand-in (stop() stops all three). */
export function benchContextOn({ dynamo, tables, stripe }: BenchServices): BenchContext {
  const secrets = Object.fromEntries(SECRETS.map((secret) => [secret.env, secret.localDefault]));
  const routeEnv: Record<string, string> = {
    ...secrets,
    ...Object.fromEntries(TABLES.map((table) => [table.env, tables[table.id]])),
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    STRIPE_API_BASE: stripe.url,
    STRIPE_PAYOUT_MODE: 'payout',
    STRIPE_MODE: 'test',
    // No merchant sources are benchmarked; the route still needs to know where their secrets would be.
    STRIPE_SOURCE_SECRETS_DIR: path.join(tmpdir(), 'bench-stripe-sources'),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_METRICS_NAMESPACE: 'PaymentsWebhookGateway',
  };
  const clients: DynamoDBDocumentClient[] = [];
  return {
    dynamo,
    tables,
    stripe,
    secrets,
    routeEnv,
    countedClient() {
      const db = makeDocumentClient({ endpoint: dynamo.endpoint });
      clients.push(db);
      return { db, counter: countDynamoCalls(db) };
    },
    async stop() {
      for (const db of clients) db.destroy();
      await stripe.stop();
      await dynamo.stop();
    },
  };
}

/**
 * The same context, its tables swapped for copies with the same keys and no secondary index:
 * a route set up on it is the same code writing the same items, without the index upkeep.
 * DynamoDB Local updates a table's global secondary indexes inside each write, before answering
 * it; DynamoDB answers once the item is written and updates its indexes afterwards (index reads
 * are eventually consistent; AWS gives under a second for the propagation), so latency here
 * includes work latency on AWS does not: the floor's too, as its table has indexes (floor.ts).
 */
export async function withoutIndexes(context: BenchContext): Promise<BenchContext> {
  const tables = Object.fromEntries(Object.entries(context.tables).map(([id, name]) => [id, `${name}-unindexed`])) as TableNames;
  const admin = new DynamoDBClient({ endpoint: context.dynamo.endpoint, ...endpointClientSettings() });
  try {
    await createTables(admin, tables, { indexes: false });
  } finally {
    admin.destroy();
  }
  return {
    ...context,
    tables,
    routeEnv: { ...context.routeEnv, ...Object.fromEntries(TABLES.map((table) => [table.env, tables[table.id]])) },
  };
}

import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { scanAll, type AppliedReader } from './applied.js';
import type { BenchContext } from './context.js';
import { countDynamoCalls, type DynamoUsage } from './dynamo-counter.js';
import { makePeerHandler, PEER_TABLES } from './peer/stripe-webhook.js';
import type { BenchHandler, SignedRequest } from './routes/types.js';
import { stripeBenchEvents } from './routes/stripe-events.js';

export const PEER_ID = 'peer';

/** The peer as the bench measures it: in-process (warm), bundled (cold start), behind the gateway (load). */
export interface PeerTarget {
  id: string;
  /** What its bundle is built from, and the path it is served on. */
  entry: string;
  path: string;
  memoryMb: number;
  timeoutSeconds: number;
  handler: BenchHandler;
  counter: { usage: DynamoUsage };
  /** The same signed events the Stripe route is sent for the same `n`. */
  request(n: number): SignedRequest;
  applied: AppliedReader;
  /** The environment its index.ts reads: its tables (the context's routeEnv gives the rest). */
  env: Record<string, string>;
  client: DynamoDBClient;
}

/**
 * The peer (bench/peer/stripe-webhook.ts) on its own two tables in the bench's DynamoDB Local,
 * created as its team's stack would (on demand; time to live on the idempotency records), with
 * the Stripe route's memory size so that cost compares like for like.
 */
export async function setupPeer(context: BenchContext, like: { memoryMb: number; timeoutSeconds: number }): Promise<PeerTarget> {
  const suffix = context.tables.events;
  const env = { IDEMPOTENCY_TABLE: `${suffix}-peer-idempotency`, PAYMENTS_TABLE: `${suffix}-peer-payments` };
  const client = new DynamoDBClient({
    endpoint: context.dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createPeerTable(client, env.IDEMPOTENCY_TABLE, PEER_TABLES.idempotency.keyAttribute, PEER_TABLES.idempotency.timeToLive);
  await createPeerTable(client, env.PAYMENTS_TABLE, PEER_TABLES.payments.keyAttribute);
  const counter = countDynamoCalls(client);
  const events = stripeBenchEvents(context.secrets.STRIPE_WEBHOOK_SECRET!);
  const logger = new Logger({ serviceName: 'stripe-webhook', logLevel: 'SILENT' });
  const handler = makePeerHandler({
    idempotencyTable: env.IDEMPOTENCY_TABLE,
    paymentsTable: env.PAYMENTS_TABLE,
    webhookSecret: context.secrets.STRIPE_WEBHOOK_SECRET!,
    stripeSecretKey: context.secrets.STRIPE_SECRET_KEY!,
    client,
    logger,
    metrics: new Metrics({ namespace: 'StripeWebhook', serviceName: 'stripe-webhook', logger }),
  });
  const documents = DynamoDBDocumentClient.from(client);
  return {
    id: PEER_ID,
    entry: 'bench/peer/index.ts',
    path: '/webhooks/stripe',
    memoryMb: like.memoryMb,
    timeoutSeconds: like.timeoutSeconds,
    handler: handler as unknown as BenchHandler,
    counter,
    request: events.request,
    applied: {
      eventKeyOf: events.eventIdOf,
      async applied() {
        const items = (await scanAll(documents, env.PAYMENTS_TABLE, 'eventIds')) as { eventIds?: string[] }[];
        return items.flatMap((item) => item.eventIds ?? []);
      },
    },
    env,
    client,
  };
}

async function createPeerTable(client: DynamoDBClient, name: string, key: string, timeToLive?: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
    }),
  );
  if (timeToLive)
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: timeToLive, Enabled: true } }),
    );
}

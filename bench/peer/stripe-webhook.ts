/**
 * The peer: the Stripe webhook handler a careful team would write from AWS's and Stripe's own
 * documentation, benchmarked beside the gateway's Stripe route (docs/performance.md). Nothing
 * of the gateway is used here; it is what a user would run instead.
 *
 * - middy, with Powertools Logger (`injectLambdaContext`) and Metrics (`logMetrics`), as the
 *   Powertools examples compose them.
 * - The signature checked first, with `stripe.webhooks.constructEvent` on the raw body (Stripe's
 *   "check the webhook signatures"); a bad one is answered 400 before anything is written, so a
 *   forged request never claims an event id.
 * - Powertools Idempotency (`makeHandlerIdempotent`, DynamoDBPersistenceLayer) keyed by the
 *   Stripe event id (`powertools_json(body).id`), kept for four days: Stripe retries a delivery
 *   for up to three. A redelivery is answered with the stored response; one that arrives while
 *   the first is still running fails (IdempotencyAlreadyInProgressError, a 500) and Stripe
 *   retries it later.
 * - The payment's status written with a DocumentClient `UpdateCommand`, keyed by the
 *   PaymentIntent id, with the ids of the events applied to it (what support reads first).
 *
 * What it leaves out, as such a handler does: ordering (a late event overwrites a newer
 * status), the raw body (only the status is kept), livemode (a test event is applied like a
 * live one), more than one endpoint secret or source.
 */
import middy from '@middy/core';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import Stripe from 'stripe';

export interface PeerOptions {
  /** Powertools' idempotency table: partition key `id`, time to live on `expiration`. */
  idempotencyTable: string;
  /** The payments' status, by PaymentIntent id (partition key `paymentIntentId`). */
  paymentsTable: string;
  webhookSecret: string;
  stripeSecretKey: string;
  client: DynamoDBClient;
  logger?: Logger;
  metrics?: Metrics;
}

type PeerContext = Context & { stripeEvent?: Stripe.Event };
type Result = APIGatewayProxyStructuredResultV2;

/** Stripe retries an undelivered event for up to three days; a day more for the clock's sake. */
const IDEMPOTENCY_SECONDS = 4 * 24 * 3600;

const answer = (statusCode: number, body: object): Result => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export function makePeerHandler(options: PeerOptions) {
  const logger = options.logger ?? new Logger({ serviceName: 'stripe-webhook' });
  const metrics = options.metrics ?? new Metrics({ namespace: 'StripeWebhook', serviceName: 'stripe-webhook', logger });
  const stripe = new Stripe(options.stripeSecretKey);
  const documents = DynamoDBDocumentClient.from(options.client);
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: options.idempotencyTable, awsSdkV3Client: options.client });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'powertools_json(body).id',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: IDEMPOTENCY_SECONDS,
  });

  const handler = async (_event: APIGatewayProxyEventV2, context: PeerContext): Promise<Result> => {
    const event = context.stripeEvent!;
    const paymentIntentId = await writePaymentStatus(documents, options.paymentsTable, event);
    if (!paymentIntentId) return answer(200, { received: true });
    logger.info('Stripe event applied', { eventId: event.id, type: event.type, paymentIntentId });
    metrics.addMetric('StripeEventApplied', MetricUnit.Count, 1);
    return answer(200, { received: true });
  };

  return middy<APIGatewayProxyEventV2, Result, Error, PeerContext>(handler)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(verifySignature(stripe, options.webhookSecret, logger))
    .use(makeHandlerIdempotent({ persistenceStore, config }));
}

/** Before idempotency: an unverified request must not store a response under an event id. */
function verifySignature(
  stripe: Stripe,
  webhookSecret: string,
  logger: Logger,
): middy.MiddlewareObj<APIGatewayProxyEventV2, Result, Error, PeerContext> {
  return {
    before: (request) => {
      const { body = '', isBase64Encoded, headers } = request.event;
      const raw = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
      try {
        request.context.stripeEvent = stripe.webhooks.constructEvent(raw, headers['stripe-signature'] ?? '', webhookSecret);
      } catch (error) {
        logger.warn('Stripe signature refused', { reason: (error as Error).message });
        return answer(400, { error: 'invalid signature' });
      }
      return undefined;
    },
  };
}

/** The payment's status from a PaymentIntent or charge event, by PaymentIntent id; undefined for any other event (nothing written). */
async function writePaymentStatus(documents: DynamoDBDocumentClient, table: string, event: Stripe.Event): Promise<string | undefined> {
  const object = event.data.object as {
    id: string;
    object: string;
    status?: string;
    payment_intent?: string | null;
    amount?: number;
    currency?: string;
  };
  const charge = object.object === 'charge';
  const paymentIntentId =
    object.object === 'payment_intent'
      ? object.id
      : charge && typeof object.payment_intent === 'string'
        ? object.payment_intent
        : undefined;
  if (!paymentIntentId) return undefined;
  await documents.send(
    new UpdateCommand({
      TableName: table,
      Key: { paymentIntentId },
      UpdateExpression: `SET #status = :status, amount = :amount, currency = :currency, updatedAt = :now, eventIds = list_append(if_not_exists(eventIds, :none), :eventId)${charge ? ', chargeId = :chargeId' : ''}`,
      ExpressionAttributeNames: { '#status': charge ? 'chargeStatus' : 'status' },
      ExpressionAttributeValues: {
        ':status': object.status ?? event.type,
        ':amount': object.amount ?? null,
        ':currency': object.currency ?? null,
        ':now': new Date().toISOString(),
        ':none': [],
        ':eventId': [event.id],
        ...(charge ? { ':chargeId': object.id } : {}),
      },
    }),
  );
  return paymentIntentId;
}

/** The tables the team's stack would define for it (on-demand, as the Powertools docs show). */
export const PEER_TABLES = {
  idempotency: { keyAttribute: 'id', timeToLive: 'expiration' },
  payments: { keyAttribute: 'paymentIntentId' },
} as const;

/** As the Lambda runs it: configuration from the environment, clients built once per container. */
export function peerFromEnv(env: Record<string, string | undefined>) {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set.`);
    return value;
  };
  const endpoint = env.DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient(
    endpoint ? { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {},
  );
  return makePeerHandler({
    idempotencyTable: required('IDEMPOTENCY_TABLE'),
    paymentsTable: required('PAYMENTS_TABLE'),
    webhookSecret: required('STRIPE_WEBHOOK_SECRET'),
    stripeSecretKey: required('STRIPE_SECRET_KEY'),
    client,
  });
}

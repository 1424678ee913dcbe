import { systemClock, type Clock } from '../shared/clock.js';
import type { Env } from '../shared/config.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../shared/dynamodb.js';
import { RecipientStore } from '../shared/recipients.js';
import { secretFromEnv } from '../shared/secret-from-env.js';
import type { SecretSource } from '../shared/secrets.js';
import { type Logger, type Metrics, MetricUnit } from '../shared/telemetry.js';
import { stripeEventsConfig } from './config.js';
import { StripeEventStore } from './event-store.js';
import type { StripeHandlerDeps } from './handler.js';
import { LedgerEvents } from './ledger-events.js';
import { StripeRecordStore } from './record-store.js';

/** Real clients from the environment: the same in Lambda and in the local gateway. */
export function stripeEventsDepsFromEnv(
  env: Env,
  telemetry: { logger: Logger; metrics?: Metrics },
  clock: Clock = systemClock,
  /** A document client to use instead of one made from DYNAMODB_ENDPOINT (the benchmark counts calls on its own). */
  db?: DynamoDBDocumentClient,
): StripeHandlerDeps {
  const config = stripeEventsConfig(env);
  db ??= makeDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
  const webhookSecrets: SecretSource[] = [secretFromEnv(env, 'STRIPE_WEBHOOK_SECRET', clock)];
  // A Connect endpoint ("events on connected accounts") has a signing secret of its own.
  if (env.STRIPE_CONNECT_WEBHOOK_SECRET_ARN || env.STRIPE_CONNECT_WEBHOOK_SECRET) {
    webhookSecrets.push(secretFromEnv(env, 'STRIPE_CONNECT_WEBHOOK_SECRET', clock));
  }
  return {
    ledger: new LedgerEvents(db, config.LEDGER_TABLE),
    records: new StripeRecordStore(db, config.RECORDS_TABLE),
    recipients: new RecipientStore(db, config.RECIPIENTS_TABLE),
    events: new StripeEventStore(db, config.EVENTS_TABLE),
    webhookSecrets,
    toleranceSeconds: config.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
    retentionSeconds: config.STRIPE_EVENT_RETENTION_DAYS * 86_400,
    leaseMs: config.STRIPE_EVENT_LEASE_SECONDS * 1000,
    maxBodyBytes: config.MAX_BODY_BYTES,
    livemode: config.STRIPE_MODE === 'live',
    clock,
    logger: telemetry.logger,
    onMetric: (name) => telemetry.metrics?.addMetric(name, MetricUnit.Count, 1),
  };
}

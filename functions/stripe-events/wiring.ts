import type { Clock } from '../shared/clock.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RecipientStore } from '../shared/recipients.js';
import { LimitUsage } from '../shared/usage.js';
import { secretFromEnv, secretsManagerClient, secretsTtlMs } from '../shared/secret-from-env.js';
import type { SecretSource } from '../shared/secrets.js';
import { type Logger, type Metrics, MetricUnit } from '../shared/telemetry.js';
import { depsFromEnv } from '../shared/webhook-route.js';
import { stripeEventsConfig, type StripeEventsConfig } from './config.js';
import { StripeEventStore } from './event-store.js';
import type { StripeHandlerDeps } from './handler.js';
import { LedgerEvents } from './ledger-events.js';
import type { StripeDeps } from './inbox.js';
import { StripeRecordStore } from './record-store.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';
import { SourceRegistry } from './source-registry.js';
import { DirectorySourceSecrets, SecretsManagerSourceSecrets, type SourceSecretStore } from './source-secrets.js';
import { SourceStore } from './source-store.js';
import { apiKeys } from '../reports/api-keys.js';
import { ReportStore } from '../reports/report-store.js';
import type { ReportFetchDeps } from '../reports/fetch-report.js';

/** Real clients from the environment: the same in Lambda and in the local gateway. */
export const stripeEventsDepsFromEnv = depsFromEnv(stripeEventsConfig, (config, { env, db, clock, ...telemetry }): StripeHandlerDeps => {
  const webhookSecrets: SecretSource[] = [secretFromEnv(env, 'STRIPE_WEBHOOK_SECRET', clock)];
  // A Connect endpoint ("events on connected accounts") has a signing secret of its own.
  if (env.STRIPE_CONNECT_WEBHOOK_SECRET_ARN || env.STRIPE_CONNECT_WEBHOOK_SECRET) {
    webhookSecrets.push(secretFromEnv(env, 'STRIPE_CONNECT_WEBHOOK_SECRET', clock));
  }
  // In AWS the route holds no API key: it records the run and the reports job fetches the file.
  // Where a key is given (npm start), the file is fetched at once.
  const platformKey = env.STRIPE_SECRET_KEY_ARN || env.STRIPE_SECRET_KEY ? secretFromEnv(env, 'STRIPE_SECRET_KEY', clock) : undefined;
  const reports = reportFetchDeps(config, db, platformKey, telemetry, clock);
  return {
    ...processDeps(config, db, telemetry, clock, reports),
    webhookSecrets,
    sources: new SourceRegistry(new SourceStore(db, config.SOURCES_TABLE), sourceSecretStore(config), { clock, ttlMs: secretsTtlMs(env) }),
    toleranceSeconds: config.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
    maxBodyBytes: config.MAX_BODY_BYTES,
  };
});

type ProcessConfig = Pick<
  StripeEventsConfig,
  | 'USAGE_TABLE'
  | 'LEDGER_TABLE'
  | 'RECORDS_TABLE'
  | 'RECIPIENTS_TABLE'
  | 'EVENTS_TABLE'
  | 'STRIPE_EVENT_RETENTION_DAYS'
  | 'STRIPE_EVENT_LEASE_SECONDS'
  | 'STRIPE_MODE'
>;

/** The stores and settings that apply an event, as the platform's: the webhook and catch-up build them alike. */
export function processDeps(
  config: ProcessConfig,
  db: DynamoDBDocumentClient,
  telemetry: { logger: Logger; metrics?: Metrics },
  clock: Clock,
  reports?: ReportFetchDeps,
): StripeDeps {
  return {
    reports,
    sourceId: PLATFORM_SOURCE_ID,
    ledger: new LedgerEvents(db, config.LEDGER_TABLE),
    ...(config.USAGE_TABLE ? { limits: new LimitUsage(db, config.USAGE_TABLE, clock) } : {}),
    records: new StripeRecordStore(db, config.RECORDS_TABLE),
    recipients: new RecipientStore(db, config.RECIPIENTS_TABLE),
    events: new StripeEventStore(db, config.EVENTS_TABLE),
    retentionSeconds: config.STRIPE_EVENT_RETENTION_DAYS * 86_400,
    leaseMs: config.STRIPE_EVENT_LEASE_SECONDS * 1000,
    livemode: config.STRIPE_MODE === 'live',
    clock,
    logger: telemetry.logger,
    onMetric: (name) => telemetry.metrics?.addMetric(name, MetricUnit.Count, 1),
  };
}

/** Secrets Manager by name prefix in AWS; a directory of files on a laptop. */
export function sourceSecretStore(
  config: Pick<StripeEventsConfig, 'STRIPE_SOURCE_SECRET_PREFIX' | 'STRIPE_SOURCE_SECRETS_DIR'>,
): SourceSecretStore {
  return config.STRIPE_SOURCE_SECRET_PREFIX
    ? new SecretsManagerSourceSecrets(secretsManagerClient(), config.STRIPE_SOURCE_SECRET_PREFIX)
    : new DirectorySourceSecrets(config.STRIPE_SOURCE_SECRETS_DIR!);
}

/** How a succeeded report run's file is fetched and kept: the webhook, catch-up and the reports job alike. */
export function reportFetchDeps(
  config: Pick<StripeEventsConfig, 'RECORDS_TABLE' | 'STRIPE_SOURCE_SECRET_PREFIX' | 'STRIPE_SOURCE_SECRETS_DIR'>,
  db: DynamoDBDocumentClient,
  platformKey: SecretSource | undefined,
  telemetry: { logger: Logger; metrics?: Metrics },
  clock: Clock,
): ReportFetchDeps {
  return {
    store: new ReportStore(db, config.RECORDS_TABLE),
    apiKeyFor: platformKey ? apiKeys(platformKey, sourceSecretStore(config)) : undefined,
    clock,
    onMetric: (name) => telemetry.metrics?.addMetric(name, MetricUnit.Count, 1),
    logWarning: (message, fields) => telemetry.logger.warn(message, fields),
  };
}

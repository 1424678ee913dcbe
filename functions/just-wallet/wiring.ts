import { systemClock, type Clock } from '../shared/clock.js';
import type { Env } from '../shared/config.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../shared/dynamodb.js';
import { secretFromEnv } from '../shared/secret-from-env.js';
import { type Logger, type Metrics, MetricUnit } from '../shared/telemetry.js';
import { justWalletConfig } from './config.js';
import { JustWalletEventStore } from './events.js';
import type { JustWalletHandlerDeps } from './handler.js';
import { JustWalletRecordStore } from './records.js';

/** Real clients from the environment: the same in Lambda and in the local gateway. DynamoDB is the only network peer. */
export function justWalletDepsFromEnv(
  env: Env,
  telemetry: { logger: Logger; metrics?: Metrics },
  clock: Clock = systemClock,
  /** A document client to use instead of one made from DYNAMODB_ENDPOINT (the benchmark counts calls on its own). */
  db?: DynamoDBDocumentClient,
): JustWalletHandlerDeps {
  const config = justWalletConfig(env);
  db ??= makeDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
  return {
    events: new JustWalletEventStore(db, config.EVENTS_TABLE),
    records: new JustWalletRecordStore(db, config.RECORDS_TABLE),
    webhookSecret: secretFromEnv(env, 'JUST_WALLET_WEBHOOK_SECRET', clock),
    signatureMode: config.JUST_WALLET_SIGNATURE_MODE,
    eventRetentionSeconds: config.JUST_WALLET_EVENT_RETENTION_DAYS * 86_400,
    maxBodyBytes: config.MAX_BODY_BYTES,
    clock,
    logger: telemetry.logger,
    onOutcome: (outcome) => telemetry.metrics?.addMetric(`JustWallet_${outcome}`, MetricUnit.Count, 1),
  };
}

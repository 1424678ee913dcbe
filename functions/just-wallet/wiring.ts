import { secretFromEnv } from '../shared/secret-from-env.js';
import { MetricUnit } from '../shared/telemetry.js';
import { depsFromEnv } from '../shared/webhook-route.js';
import { justWalletConfig } from './config.js';
import { JustWalletEventStore } from './events.js';
import type { JustWalletHandlerDeps } from './handler.js';
import { JustWalletRecordStore } from './records.js';

/** Real clients from the environment: the same in Lambda and in the local gateway. DynamoDB is the only network peer. */
export const justWalletDepsFromEnv = depsFromEnv(
  justWalletConfig,
  (config, { env, db, clock, logger, metrics }): JustWalletHandlerDeps => ({
    events: new JustWalletEventStore(db, config.EVENTS_TABLE),
    records: new JustWalletRecordStore(db, config.RECORDS_TABLE),
    webhookSecret: secretFromEnv(env, 'JUST_WALLET_WEBHOOK_SECRET', clock),
    signatureMode: config.JUST_WALLET_SIGNATURE_MODE,
    eventRetentionSeconds: config.JUST_WALLET_EVENT_RETENTION_DAYS * 86_400,
    maxBodyBytes: config.MAX_BODY_BYTES,
    clock,
    logger,
    onOutcome: (outcome) => metrics?.addMetric(`JustWallet_${outcome}`, MetricUnit.Count, 1),
  }),
);

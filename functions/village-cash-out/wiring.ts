import { LedgerStore } from '../shared/ledger.js';
import { LimitSettings } from '../shared/limits.js';
import { LimitUsage } from '../shared/usage.js';
import { RecipientStore } from '../shared/recipients.js';
import { MetricUnit } from '../shared/telemetry.js';
import { depsFromEnv } from '../shared/webhook-route.js';
import { secretFromEnv } from '../shared/secret-from-env.js';
import { stripeFromSecret } from '../shared/wiring.js';
import { villageConfig } from './config.js';
import type { VillageHandlerDeps } from './handler.js';

/** Real clients from the environment: the same in Lambda and in the local gateway. */
export const villageDepsFromEnv = depsFromEnv(villageConfig, (config, { env, db, clock, logger, metrics }): VillageHandlerDeps => ({
  ledger: new LedgerStore(db, config.LEDGER_TABLE),
  recipients: new RecipientStore(db, config.RECIPIENTS_TABLE),
  limits: {
    settings: new LimitSettings(db, config.LIMITS_TABLE, { clock, cacheMs: config.LIMITS_CACHE_SECONDS * 1000 }),
    usage: new LimitUsage(db, config.USAGE_TABLE, clock),
  },
  stripe: stripeFromSecret(secretFromEnv(env, 'STRIPE_SECRET_KEY', clock), config.STRIPE_API_BASE, { expectedMode: config.STRIPE_MODE }),
  villageSecret: secretFromEnv(env, 'VILLAGE_WEBHOOK_SECRET', clock),
  mode: config.STRIPE_PAYOUT_MODE,
  clock,
  logger,
  onOutcome: (outcome) => metrics?.addMetric(`CashOut_${outcome}`, MetricUnit.Count, 1),
  idempotencyWindowMs: config.STRIPE_IDEMPOTENCY_WINDOW_HOURS * 3_600_000,
  stripeAttemptTimeoutMs: config.STRIPE_ATTEMPT_TIMEOUT_MS,
  minAttemptMs: config.STRIPE_MIN_ATTEMPT_MS,
  ledgerWriteReserveMs: config.VILLAGE_LEDGER_WRITE_RESERVE_MS,
  requireCashOutId: config.VILLAGE_REQUIRE_ID === 'true',
  signatureHeaders: config.VILLAGE_SIGNATURE_HEADERS,
  idFields: config.VILLAGE_ID_FIELDS,
  deadlineMs: config.VILLAGE_DEADLINE_MS,
  answerMarginMs: config.VILLAGE_ANSWER_MARGIN_MS,
  maxBodyBytes: config.MAX_BODY_BYTES,
}));

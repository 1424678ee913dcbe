import { systemClock, type Clock } from '../shared/clock.js';
import type { Env } from '../shared/config.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../shared/dynamodb.js';
import { HistoryStore } from '../shared/history.js';
import { LimitUsage } from '../shared/usage.js';
import { type Logger, type Metrics, MetricUnit } from '../shared/telemetry.js';
import { secretFromEnv } from '../shared/secret-from-env.js';
import { stripeFromSecret } from '../shared/wiring.js';
import { reconcileConfig } from './config.js';
import type { ReconcileDeps } from './reconcile.js';
import { ReconcileStore } from './store.js';
import { stripeMoney } from './stripe-money.js';

/** Metric names, per outcome; ReconcileNeedsOperator is the one an alarm watches. */
export const METRIC_NAMES = {
  resolved: 'ReconcileResolved',
  compensated: 'ReconcileCompensated',
  needs_operator: 'ReconcileNeedsOperator',
  waiting: 'ReconcileWaiting',
  unchanged: 'ReconcileStillOpen',
  skipped: 'ReconcileSkipped',
  conflict: 'ReconcileConflicts',
  error: 'ReconcileErrors',
  planned: 'ReconcilePlanned',
} as const;

/** Real clients from the environment: the same in Lambda and in `npm run reconcile`. */
export function reconcileDepsFromEnv(
  env: Env,
  telemetry: { logger: Logger; metrics?: Metrics; region?: string },
  clock: Clock = systemClock,
  /** A document client to use instead of one made from DYNAMODB_ENDPOINT (the console shares its own). */
  db?: DynamoDBDocumentClient,
): ReconcileDeps {
  const config = reconcileConfig(env);
  db ??= makeDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: telemetry.region });
  const hours = 3_600_000;
  return {
    store: new ReconcileStore(db, config.LEDGER_TABLE),
    stripe: stripeMoney(
      stripeFromSecret(secretFromEnv(env, 'STRIPE_SECRET_KEY', clock), config.STRIPE_API_BASE, { expectedMode: config.STRIPE_MODE }),
      config.STRIPE_TIMEOUT_MS,
    ),
    clock,
    logger: telemetry.logger,
    selection: {
      minAgeMs: config.RECONCILE_MIN_AGE_MINUTES * 60_000,
      staleMs: config.RECONCILE_STALE_HOURS * hours,
      recheckMs: config.RECONCILE_RECHECK_HOURS * hours,
      notFoundAfterMs: config.RECONCILE_NOT_FOUND_AFTER_HOURS * hours,
      lookbackMs: config.RECONCILE_LOOKBACK_DAYS * 24 * hours,
      unansweredMoneyMoved: config.RECONCILE_UNANSWERED_MONEY_MOVED,
    },
    maxItems: config.RECONCILE_MAX_ITEMS,
    ...(config.USAGE_TABLE ? { limits: new LimitUsage(db, config.USAGE_TABLE, clock) } : {}),
    history: config.HISTORY_TABLE ? new HistoryStore(db, config.HISTORY_TABLE) : undefined,
    onCounts: (counts) => {
      for (const [outcome, count] of Object.entries(counts)) {
        telemetry.metrics?.addMetric(METRIC_NAMES[outcome as keyof typeof METRIC_NAMES], MetricUnit.Count, count);
      }
    },
  };
}

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Env } from '../shared/config.js';
import { makeDocumentClient } from '../shared/dynamodb.js';
import { makeStripe } from '../shared/stripe-sdk.js';
import { type Logger, type Metrics, MetricUnit } from '../shared/telemetry.js';
import { secretFromEnv } from '../shared/secret-from-env.js';
import { stripeFromSecret } from '../shared/wiring.js';
import { HANDLED_EVENT_TYPES } from '../stripe-events/event.js';
import { SourceStore } from '../stripe-events/source-store.js';
import { processDeps, reportFetchDeps, sourceSecretStore } from '../stripe-events/wiring.js';
import { connectedAccountsWithCashOuts } from './accounts.js';
import type { CatchUpSummary, Counts } from './catch-up.js';
import { catchUpConfig } from './config.js';
import type { CatchUpHandlerDeps } from './handler.js';
import { catchUpSources } from './sources.js';
import { stripeEventLister } from './stripe-lister.js';

/** Metric names per count; CatchUpFailed is the one an alarm watches. */
export const METRIC_NAMES: Record<keyof Counts, string> = {
  fetched: 'CatchUpFetched',
  alreadyApplied: 'CatchUpAlreadyApplied',
  applied: 'CatchUpApplied',
  deferred: 'CatchUpDeferred',
  failed: 'CatchUpFailed',
};

export interface CatchUpTelemetry {
  logger: Logger;
  /** The job's own counts (service `catch-up`). */
  metrics?: Metrics;
  /** What applying the events counts (PayoutFailedAfterPaid…), under the Stripe events service the alarms watch. */
  eventMetrics?: Metrics;
  region?: string;
}

/** Real clients from the environment: the same in Lambda and in `npm run catch-up`. */
export function catchUpDepsFromEnv(
  env: Env,
  telemetry: CatchUpTelemetry,
  clock: Clock = systemClock,
  /** A document client to use instead of one made from DYNAMODB_ENDPOINT (tests close their own). */
  db: DynamoDBDocumentClient = makeDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT, region: telemetry.region }),
): CatchUpHandlerDeps {
  const config = catchUpConfig(env);
  const stripeOptions = { maxNetworkRetries: config.CATCH_UP_STRIPE_RETRIES, timeoutMs: config.STRIPE_TIMEOUT_MS };
  const platformKey = secretFromEnv(env, 'STRIPE_SECRET_KEY', clock);
  const platform = stripeEventLister(
    stripeFromSecret(platformKey, config.STRIPE_API_BASE, { ...stripeOptions, expectedMode: config.STRIPE_MODE }),
  );
  const eventTelemetry = { logger: telemetry.logger, metrics: telemetry.eventMetrics };
  const listers = {
    sources: new SourceStore(db, config.SOURCES_TABLE),
    secrets: sourceSecretStore(config),
    platform,
    withKey: (apiKey: string) => stripeEventLister(async () => makeStripe(apiKey, config.STRIPE_API_BASE, stripeOptions)),
  };
  return {
    // A report event found by catch-up fetches its file as the webhook would have.
    ...processDeps(config, db, eventTelemetry, clock, reportFetchDeps(config, db, platformKey, eventTelemetry, clock)),
    eventTypes: Object.keys(HANDLED_EVENT_TYPES),
    sources: (only) => catchUpSources(listers, only),
    connectedAccounts: (sinceSeconds) => connectedAccountsWithCashOuts(db, config.LEDGER_TABLE, sinceSeconds),
    windowHours: config.CATCH_UP_WINDOW_HOURS,
    onSummary: (summary: CatchUpSummary) => {
      for (const [count, value] of Object.entries(summary.totals))
        telemetry.metrics?.addMetric(METRIC_NAMES[count as keyof Counts], MetricUnit.Count, value);
    },
  };
}

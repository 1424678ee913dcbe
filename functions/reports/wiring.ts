import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Env } from '../shared/config.js';
import { makeDocumentClient } from '../shared/dynamodb.js';
import { makeStripe } from '../shared/stripe-sdk.js';
import { type Logger, type Metrics, MetricUnit } from '../shared/telemetry.js';
import { secretFromEnv } from '../shared/secret-from-env.js';
import { closeOf } from '../close/close-reads.js';
import { PLATFORM_SOURCE_ID } from '../stripe-events/source-id.js';
import { SourceStore } from '../stripe-events/source-store.js';
import { reportFetchDeps, sourceSecretStore } from '../stripe-events/wiring.js';
import { apiKeys } from './api-keys.js';
import { reportsConfig } from './config.js';
import { REPORT_FAILED_METRIC, REPORT_FETCH_FAILED_METRIC } from './fetch-report.js';
import type { ReportsJobDeps } from './job.js';
import { ReportStore } from './report-store.js';

/** Real clients from the environment: the same in Lambda and on a laptop. */
export function reportsJobDepsFromEnv(
  env: Env,
  telemetry: { logger: Logger; metrics?: Metrics },
  clock: Clock = systemClock,
  db: DynamoDBDocumentClient = makeDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT }),
): ReportsJobDeps {
  const config = reportsConfig(env);
  const platformKey = secretFromEnv(env, 'STRIPE_SECRET_KEY', clock);
  const secrets = sourceSecretStore(config);
  const keyOf = apiKeys(platformKey, secrets);
  const store = new ReportStore(db, config.RECORDS_TABLE);
  const sourceStore = new SourceStore(db, config.SOURCES_TABLE);
  return {
    store,
    async sources() {
      const merchants = (await sourceStore.list()).filter((source) => source.status === 'enabled');
      const withKeys = await Promise.all(
        merchants.map(async (source) => ((await secrets.read(source.sourceId))?.apiKey ? source.sourceId : undefined)),
      );
      return [PLATFORM_SOURCE_ID, ...withKeys.filter((id): id is string => id !== undefined)];
    },
    request: {
      store,
      stripeFor: async (sourceId) =>
        makeStripe(await keyOf(sourceId), config.STRIPE_API_BASE, { maxNetworkRetries: 2, timeoutMs: config.STRIPE_TIMEOUT_MS }),
      clock,
      requestedBy: 'reports job',
    },
    // The job's own name for a download it could not make, apart from the events route's ReportFailed.
    fetch: {
      ...reportFetchDeps(config, db, platformKey, telemetry, clock),
      onMetric: (name) =>
        telemetry.metrics?.addMetric(name === REPORT_FAILED_METRIC ? REPORT_FETCH_FAILED_METRIC : name, MetricUnit.Count, 1),
    },
    close: (day, sourceId) => closeOf({ db, ledgerTable: config.LEDGER_TABLE, reports: store }, day, sourceId),
    clock,
    onMetric: (name) => telemetry.metrics?.addMetric(name, MetricUnit.Count, 1),
  };
}

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger, Metrics } from '../shared/telemetry.js';
import { runReportsJob, type ReportsJobDeps, type ReportsJobSummary } from './job.js';

/** The job as Lambda runs it: Powertools' middlewares; a failed run is thrown. */
export function makeReportsHandler(deps: ReportsJobDeps & { logger: Logger }, telemetry: { metrics?: Metrics[] } = {}) {
  return middy<unknown, ReportsJobSummary, Error, Context>(reportsRun(deps), { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(telemetry.metrics ?? []));
}

/** One scheduled run; its summary is logged (an error line when anything failed) and returned. */
function reportsRun(deps: ReportsJobDeps & { logger: Logger }) {
  return async (): Promise<ReportsJobSummary> => {
    const summary = await runReportsJob(deps);
    const log = summary.failures.length > 0 ? deps.logger.error.bind(deps.logger) : deps.logger.info.bind(deps.logger);
    log('Reports job finished', { ...summary });
    return summary;
  };
}

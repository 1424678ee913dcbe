import { jobHandler } from '../shared/job-route.js';
import type { Logger, Metrics } from '../shared/telemetry.js';
import { runReportsJob, type ReportsJobDeps, type ReportsJobSummary } from './job.js';

/** The job as Lambda runs it (jobHandler); a failed run is thrown. */
export function makeReportsHandler(deps: ReportsJobDeps & { logger: Logger }, telemetry: { metrics?: Metrics[] } = {}) {
  return jobHandler<unknown, ReportsJobSummary>(reportsRun(deps), deps.logger, telemetry.metrics);
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

import type { Logger } from '../shared/telemetry.js';
import { runReportsJob, type ReportsJobDeps, type ReportsJobSummary } from './job.js';

/** One scheduled run; its summary is logged (an error line when anything failed) and returned. */
export function makeReportsHandler(deps: ReportsJobDeps & { logger: Logger }) {
  return async (): Promise<ReportsJobSummary> => {
    const summary = await runReportsJob(deps);
    const log = summary.failures.length > 0 ? deps.logger.error.bind(deps.logger) : deps.logger.info.bind(deps.logger);
    log('Reports job finished', { ...summary });
    return summary;
  };
}

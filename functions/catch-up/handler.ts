import { ValidationError } from '../shared/errors.js';
import { jobDeadline, jobHandler, type JobContext } from '../shared/job-route.js';
import { parseSince, SINCE_FORMAT } from '../shared/since.js';
import type { Metrics } from '../shared/telemetry.js';
import { isSourceId } from '../stripe-events/source-id.js';
import { catchUp, type CatchUpDeps, type CatchUpSummary } from './catch-up.js';

/** Time kept back from the Lambda timeout to finish the event in hand and report. */
const SAFETY_MARGIN_MS = 60_000;

export interface CatchUpHandlerDeps extends CatchUpDeps {
  /** A scheduled run's window. */
  windowHours: number;
  onSummary?: (summary: CatchUpSummary) => void;
}

/**
 * What the function is invoked with: nothing but the schedule's own fields on a scheduled
 * run; `{"since": "30d", "sourceId": "acme-eu"}` for a historical import or a recovery by hand.
 */
export interface CatchUpRequest {
  since?: unknown;
  /** Only events created before it: a slice of a long import (`{"since": "30d", "until": "20d"}`). */
  until?: unknown;
  sourceId?: unknown;
  id?: string;
}

/** The job as Lambda runs it (jobHandler); a refused request or failed run is thrown. */
export function makeCatchUpHandler(deps: CatchUpHandlerDeps, telemetry: { metrics?: Metrics[] } = {}) {
  return jobHandler(catchUpRun(deps), deps.logger, telemetry.metrics);
}

/** One catch-up run; its summary is logged and returned (counts per source and account, and what failed). */
function catchUpRun(deps: CatchUpHandlerDeps) {
  return async (event?: CatchUpRequest, context?: JobContext): Promise<CatchUpSummary> => {
    deps.logger.appendKeys({ correlationId: event?.id });
    const now = deps.clock.now();
    const since =
      event?.since === undefined
        ? now - deps.windowHours * 3_600_000
        : typeof event.since === 'string'
          ? parseSince(event.since, now)
          : undefined;
    if (since === undefined) throw new ValidationError('bad_since', `"since" must be ${SINCE_FORMAT}.`);
    const until = event?.until === undefined ? undefined : typeof event.until === 'string' ? parseSince(event.until, now) : undefined;
    if (event?.until !== undefined && (until === undefined || until <= since))
      throw new ValidationError('bad_until', `"until" must be ${SINCE_FORMAT}, after "since".`);
    if (event?.sourceId !== undefined && (typeof event.sourceId !== 'string' || !isSourceId(event.sourceId)))
      throw new ValidationError('bad_source', '"sourceId" must be a source id.');
    const summary = await catchUp(deps, {
      since,
      until,
      sourceId: event?.sourceId as string | undefined,
      deadlineAt: jobDeadline(context, now, SAFETY_MARGIN_MS),
    });
    deps.onSummary?.(summary);
    const log = summary.totals.failed > 0 ? deps.logger.error.bind(deps.logger) : deps.logger.info.bind(deps.logger);
    log('Catch-up finished', {
      since: summary.since,
      until: summary.until,
      requestedSince: summary.requestedSince,
      totals: summary.totals,
      lists: summary.lists,
      failures: summary.failures,
    });
    return summary;
  };
}

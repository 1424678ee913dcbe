import type { ScheduledEvent } from 'aws-lambda';
import { jobDeadline, jobHandler, type JobContext } from '../shared/job-route.js';
import type { Metrics } from '../shared/telemetry.js';
import { reconcile, type ReconcileDeps, type ReconcileSummary } from './reconcile.js';

/** Time kept back from the Lambda timeout to finish the item in hand and report. */
const SAFETY_MARGIN_MS = 30_000;

/** The job as Lambda runs it (jobHandler); a failed run is thrown (the schedule's retry and the Errors alarm see it). */
export function makeReconcileHandler(deps: ReconcileDeps, telemetry: { metrics?: Metrics[] } = {}) {
  return jobHandler(reconcileRun(deps), deps.logger, telemetry.metrics);
}

/** The scheduled event in, one reconciliation run, its summary out (counts only: the items are in the logs). */
function reconcileRun(deps: ReconcileDeps) {
  return async (event?: Partial<ScheduledEvent>, context?: JobContext): Promise<Omit<ReconcileSummary, 'items'>> => {
    deps.logger.appendKeys({ correlationId: event?.id });
    const deadlineAt = jobDeadline(context, deps.clock.now(), SAFETY_MARGIN_MS);
    const { items: _items, ...summary } = await reconcile(deps, { deadlineAt });
    return summary;
  };
}

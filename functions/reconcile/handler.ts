import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { Metrics } from '../shared/telemetry.js';
import { reconcile, type ReconcileDeps, type ReconcileSummary } from './reconcile.js';

/** Time kept back from the Lambda timeout to finish the item in hand and report. */
const SAFETY_MARGIN_MS = 30_000;

/** The job as Lambda runs it: Powertools' middlewares; a failed run is thrown (the schedule's retry and the Errors alarm see it). */
export function makeReconcileHandler(deps: ReconcileDeps, telemetry: { metrics?: Metrics } = {}) {
  return middy<Partial<ScheduledEvent>, Omit<ReconcileSummary, 'items'>, Error, Context>(reconcileRun(deps), { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(telemetry.metrics ? [telemetry.metrics] : []));
}

/** The scheduled event in, one reconciliation run, its summary out (counts only: the items are in the logs). */
function reconcileRun(deps: ReconcileDeps) {
  return async (
    event?: Partial<ScheduledEvent>,
    context?: Partial<Pick<Context, 'getRemainingTimeInMillis'>>,
  ): Promise<Omit<ReconcileSummary, 'items'>> => {
    deps.logger.appendKeys({ correlationId: event?.id });
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadlineAt = remaining === undefined ? undefined : deps.clock.now() + remaining - SAFETY_MARGIN_MS;
    const { items: _items, ...summary } = await reconcile(deps, { deadlineAt });
    return summary;
  };
}

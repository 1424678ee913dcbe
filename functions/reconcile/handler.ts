import type { Context, ScheduledEvent } from 'aws-lambda';
import { reconcile, type ReconcileDeps, type ReconcileSummary } from './reconcile.js';

/** Time kept back from the Lambda timeout to finish the item in hand and report. */
const SAFETY_MARGIN_MS = 30_000;

/** The scheduled event in, one reconciliation run, its summary out (counts only: the items are in the logs). */
export function makeReconcileHandler(deps: ReconcileDeps) {
  return async (event?: Partial<ScheduledEvent>, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<Omit<ReconcileSummary, 'items'>> => {
    deps.logger.appendKeys({ correlationId: event?.id });
    try {
      const remaining = context?.getRemainingTimeInMillis?.();
      const deadlineAt = remaining === undefined ? undefined : deps.clock.now() + remaining - SAFETY_MARGIN_MS;
      const { items: _items, ...summary } = await reconcile(deps, { deadlineAt });
      return summary;
    } finally {
      deps.logger.removeKeys(['correlationId']);
    }
  };
}

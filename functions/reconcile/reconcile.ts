import { describeStripeError } from '../shared/stripe.js';
import { act } from './act.js';
import { OUTCOMES, type ItemResult, type Outcome, type ReconcileDeps, type ReconcileSummary } from './job.js';
import { noteDecision } from './story.js';

// The job's vocabulary, for its callers (the command, the console, the operator's actions).
export type { ItemResult, ReconcileDeps, ReconcileSummary } from './job.js';
export { describeResult, noteDecision } from './story.js';

const NOT_PAID: readonly string[] = ['failed', 'canceled', 'reversed', 'rejected'];

/** Outcomes that wrote to the item; the others (waiting, skipped…) recur every run and are not written down. */
const WRITTEN: readonly Outcome[] = ['resolved', 'compensated', 'needs_operator', 'unchanged'];

/**
 * One reconciliation run: select the items that need it, ask Stripe about each, and write
 * the true status, take back money Village was told had not moved, or raise the item to an
 * operator. Never creates a payout or a transfer.
 */
export async function reconcile(deps: ReconcileDeps, options: { deadlineAt?: number } = {}): Promise<ReconcileSummary> {
  const startedAt = deps.clock.now();
  const candidates = await deps.store.candidates(startedAt, deps.selection, deps.maxItems);
  const items: ItemResult[] = [];
  let deferred = 0;
  for (const candidate of candidates) {
    if (options.deadlineAt !== undefined && deps.clock.now() >= options.deadlineAt) {
      deferred = candidates.length - items.length;
      break;
    }
    const result = await reconcileOne(candidate.cashOutId, deps);
    items.push(result);
    if (!deps.dryRun && WRITTEN.includes(result.outcome)) await noteDecision(result, deps, { who: 'reconciliation job' });
  }
  const counts = countOutcomes(items);
  deps.onCounts?.(counts);
  deps.logger.info('Reconciliation run finished', { counts, deferred, dryRun: deps.dryRun ?? false });
  return {
    startedAt: new Date(startedAt).toISOString(),
    table: deps.store.tableName,
    dryRun: deps.dryRun ?? false,
    counts,
    items,
    deferred,
  };
}

/** Each outcome's count, zeros included. */
function countOutcomes(items: ItemResult[]): Record<Outcome, number> {
  const count = (outcome: Outcome) => items.filter((item) => item.outcome === outcome).length;
  return Object.fromEntries(OUTCOMES.map((outcome) => [outcome, count(outcome)])) as Record<Outcome, number>;
}

/**
 * Reconciles one cash-out from a fresh, consistent read. An error leaves it for the next run.
 * `onlyIf`: acts only if the decision, as a dry run would report it, passes (an operator's
 * confirmation of the decision shown); otherwise returns that decision, `withheld`, having
 * written nothing and changed nothing at Stripe.
 */
export async function reconcileOne(
  cashOutId: string,
  deps: ReconcileDeps,
  options: { onlyIf?: (decision: ItemResult) => boolean } = {},
): Promise<ItemResult> {
  const item = await deps.store.get(cashOutId);
  if (!item) return { cashOutId, from: 'unknown', outcome: 'skipped', reason: 'gone' };
  try {
    const result = await act(item, deps, options.onlyIf);
    // Settled as not paid (taken back, failed, canceled or never made): the limits it took go back, once.
    if (['resolved', 'compensated'].includes(result.outcome) && NOT_PAID.includes(result.to ?? 'processing'))
      await deps.limits?.release(cashOutId);
    return result;
  } catch (error) {
    deps.logger.error('Could not reconcile a cash-out; the next run tries again', {
      cashOutId,
      status: item.status,
      error: error as Error,
    });
    return { cashOutId, from: item.status, outcome: 'error', reason: describeStripeError(error)?.type ?? (error as Error).name };
  }
}

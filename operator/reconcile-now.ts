import { noteDecision, reconcileOne, type ItemResult, type ReconcileDeps } from '../functions/reconcile/reconcile.js';
import { HttpError } from '../functions/shared/errors.js';

/**
 * An operator asking now need not wait for an open payout to turn stale: the timing rules that
 * spread the scheduled job's Stripe calls are dropped. The rest stands, including the minimum
 * age of a crashed claim (Village may still redeliver it) and leaving items with an operator.
 */
function askedNow(deps: ReconcileDeps): ReconcileDeps {
  return { ...deps, selection: { ...deps.selection, staleMs: 0, recheckMs: 0 } };
}

/** A decision, as compared between the preview an operator saw and the moment of acting. */
export const decisionKey = (decision: ItemResult): string =>
  [decision.outcome, decision.reason, decision.to ?? '', decision.stripeObjectId ?? ''].join('|');

/** Whether a preview leaves anything to do (a decision to act on). */
export const hasAction = (decision: ItemResult): boolean => decision.outcome === 'planned';

/**
 * What reconciling one cash-out now would do: the reconciliation job's own code as a dry run
 * (Stripe is read, nothing is written or changed at Stripe).
 */
export async function previewReconcile(cashOutId: string, deps: ReconcileDeps): Promise<ItemResult> {
  if (!(await deps.store.get(cashOutId))) throw new HttpError(404, 'cash_out_not_found', `No cash-out ${cashOutId}.`);
  return reconcileOne(cashOutId, { ...askedNow(deps), dryRun: true });
}

export interface ReconcileNow {
  /** False when the decision is no longer the one the operator saw: nothing was done. */
  acted: boolean;
  /** The decision made at the moment of acting (what was done, or the new decision when nothing was). */
  decision: ItemResult;
  result?: ItemResult;
}

/**
 * Reconciles one cash-out now, if the decision is still the one the operator was shown
 * (`expected`, from decisionKey): the job's code decides once, from the item and Stripe as
 * they are now, and acts only on that decision if it is the one shown (never on a decision
 * made a moment earlier); then writes who did it, the note and the result into the history table.
 */
export async function reconcileNow(
  cashOutId: string,
  expected: string,
  deps: ReconcileDeps,
  by: { who: string; note?: string },
): Promise<ReconcileNow> {
  if (!(await deps.store.get(cashOutId))) throw new HttpError(404, 'cash_out_not_found', `No cash-out ${cashOutId}.`);
  const result = await reconcileOne(
    cashOutId,
    { ...askedNow(deps), dryRun: false },
    { onlyIf: (decision) => hasAction(decision) && decisionKey(decision) === expected },
  );
  if (result.withheld) {
    const { withheld: _withheld, ...decision } = result;
    return { acted: false, decision };
  }
  await noteDecision(result, deps, by);
  return { acted: true, decision: result, result };
}

import { randomUUID } from 'node:crypto';
import { describeStripeError, isRetryable } from '../shared/stripe.js';
import type { Decision, MoneyObject, ReconciledItem, ReconciledStatus } from './decide.js';
import type { ItemResult, ReconcileDeps, ResultOf } from './job.js';
import { notPaidAnswer, objectFields, operatorFields, raiseToOperator } from './writes.js';

/** How long a compensation holds the item: longer than the Stripe calls it makes. */
const COMPENSATION_LEASE_MS = 5 * 60_000;

type CompensateDeps = Pick<ReconcileDeps, 'store' | 'stripe' | 'clock' | 'logger'>;
type Compensation = Extract<Decision, { action: 'compensate' }>;

/** A compensation's hold on the item: every write after the claim is fenced by its attemptId. */
interface Hold {
  /** The item as read. */
  item: ReconciledItem;
  /** The item as claimed (this compensation's attemptId), which the fenced writes start from. */
  claimed: ReconciledItem;
  attemptId: string;
  deps: CompensateDeps;
  result: ResultOf;
}

/**
 * Takes the money back: claim the item first, so no Village retry can answer 200 for money
 * being taken back; then cancel the payout or reverse the transfer at Stripe, and record what
 * Stripe answered. What Stripe refuses, or does not confirm, goes to an operator.
 */
export async function compensate(
  item: ReconciledItem,
  deps: CompensateDeps,
  decision: Compensation,
  result: ResultOf,
): Promise<ItemResult> {
  const attemptId = `reconcile:${randomUUID()}`;
  if (!(await claim(item, attemptId, deps))) return result('conflict', 'changed_before_compensation');
  const hold: Hold = { item, claimed: { ...item, attemptId }, attemptId, deps, result };

  let after: MoneyObject;
  try {
    after = await takeBack(item, decision, deps);
  } catch (error) {
    return refused(hold, decision, error);
  }
  const status = after.status as ReconciledStatus;
  if (!['canceled', 'reversed'].includes(status)) return raise(hold, status, `compensation_not_confirmed:${after.status}`, after);
  return recordCompensation(hold, decision, after);
}

/** Claims the item for this compensation, answering any Village redelivery "not paid" from now on. */
async function claim(item: ReconciledItem, attemptId: string, deps: CompensateDeps): Promise<boolean> {
  const claimedAt = new Date(deps.clock.now());
  return deps.store.claim(
    item,
    attemptId,
    claimedAt.getTime() + COMPENSATION_LEASE_MS,
    notPaidAnswer(item.cashOutId, 'compensated'),
    claimedAt,
  );
}

/** The one Stripe call a compensation makes (its idempotency key is per cash-out: see stripe-money.ts). */
function takeBack(item: ReconciledItem, decision: Compensation, deps: CompensateDeps): Promise<MoneyObject> {
  return decision.how === 'cancel_payout'
    ? deps.stripe.cancelPayout(item, decision.object.id)
    : deps.stripe.reverseTransfer(item, decision.object.id);
}

/** Stripe refused the call for good: an operator takes it. A retryable failure is thrown: the lease runs out and the next run tries again. */
function refused(hold: Hold, decision: Compensation, error: unknown): Promise<ItemResult> {
  const failure = describeStripeError(error);
  if (!failure || isRetryable(failure)) throw error;
  const reason = `${decision.how === 'cancel_payout' ? 'cancel' : 'reversal'}_refused:${failure.code ?? failure.type}`;
  return raise(hold, decision.object.status as ReconciledStatus, reason, decision.object);
}

/** Raises the held item to an operator, fenced by the claim. */
function raise(hold: Hold, status: ReconciledStatus, reason: string, object: MoneyObject): Promise<ItemResult> {
  const { item, claimed, attemptId, deps, result } = hold;
  return raiseToOperator(
    item,
    deps,
    status,
    reason,
    object,
    (at) => deps.store.finish(claimed, attemptId, operatorFields(item, status, reason, object), at),
    result,
  );
}

/** Records the money taken back, as Stripe confirmed it, and releases the claim. */
async function recordCompensation(hold: Hold, decision: Compensation, after: MoneyObject): Promise<ItemResult> {
  const { item, claimed, attemptId, deps, result } = hold;
  const status = after.status as ReconciledStatus;
  const at = new Date(deps.clock.now());
  const compensation = decision.how === 'cancel_payout' ? 'payout_canceled' : 'transfer_reversed';
  const written = await deps.store.finish(
    claimed,
    attemptId,
    { status, reason: compensation, compensation, compensatedAt: at.toISOString(), needsCompensation: null, ...objectFields(after) },
    at,
  );
  deps.logger.warn('Took back money for a cash-out Village was not told was paid', {
    cashOutId: item.cashOutId,
    compensation,
    stripeObjectId: after.id,
    recorded: written,
  });
  if (!written)
    deps.logger.error('Compensated at Stripe but could not record it; the next run records it from Stripe', { cashOutId: item.cashOutId });
  return result(written ? 'compensated' : 'conflict', compensation, status, after);
}

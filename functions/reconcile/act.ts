import { compensate } from './compensate.js';
import { decide, villageWasPaid, type Decision, type ReconciledItem } from './decide.js';
import { resultOf, type ItemResult, type ReconcileDeps, type ResultOf } from './job.js';
import type { ReconcileFields } from './store.js';
import { notPaidAnswer, objectFields, operatorFields, raiseToOperator } from './writes.js';

type ActDeps = Pick<ReconcileDeps, 'store' | 'stripe' | 'clock' | 'logger' | 'selection' | 'dryRun'>;
type DecisionTo<A extends Decision['action']> = Extract<Decision, { action: A }>;

/**
 * Decides what to do with one item (asking Stripe where the decision needs it) and does it;
 * in a dry run, or where `onlyIf` refuses the decision, only says what it would do.
 */
export async function act(item: ReconciledItem, deps: ActDeps, onlyIf?: (decision: ItemResult) => boolean): Promise<ItemResult> {
  const now = deps.clock.now();
  const decision = await decideWithStripe(item, now, deps);
  const result = resultOf(item);
  if (deps.dryRun) return planned(decision, result);
  // The decision acted on is this one, from this read of the item and of Stripe: never one decided earlier.
  if (onlyIf && !onlyIf(planned(decision, result))) return { ...planned(decision, result), withheld: true };
  return perform(item, decision, deps, new Date(now), result);
}

/** The decision from the item alone, or, where it needs Stripe's view, from the item and what Stripe has. */
async function decideWithStripe(item: ReconciledItem, now: number, deps: ActDeps): Promise<Decision> {
  const decision = decide(item, now, deps.selection);
  if (decision.action !== 'ask_stripe') return decision;
  return decide(item, now, deps.selection, await deps.stripe.find(item));
}

/** Carries a decision out: every write is conditional, on the item as it was read or on this run's claim of it. */
async function perform(item: ReconciledItem, decision: Decision, deps: ActDeps, at: Date, result: ResultOf): Promise<ItemResult> {
  switch (decision.action) {
    case 'ask_stripe':
      throw new Error('Stripe was asked and the decision still needs Stripe');
    case 'skip':
      return result('skipped', decision.reason);
    case 'wait':
      return wait(item, decision, deps, at, result);
    case 'unchanged':
      return unchanged(item, decision, deps, at, result);
    case 'record':
      return record(item, decision, deps, at, result);
    case 'operator':
      return raiseToOperator(
        item,
        deps,
        decision.status,
        decision.reason,
        decision.object,
        (at) => deps.store.resolve(item, operatorFields(item, decision.status, decision.reason, decision.object), at),
        result,
      );
    case 'compensate':
      return compensate(item, deps, decision, result);
  }
}

/** Stripe shows nothing yet: only note the look, so the next runs take other items first. */
async function wait(item: ReconciledItem, decision: DecisionTo<'wait'>, deps: ActDeps, at: Date, result: ResultOf): Promise<ItemResult> {
  deps.logger.info('No Stripe money movement found yet; waiting', { cashOutId: item.cashOutId, status: item.status });
  await deps.store.markChecked(item, at);
  return result('waiting', decision.reason);
}

/** Stripe agrees with the ledger: note the check without touching `updatedAt`. */
async function unchanged(
  item: ReconciledItem,
  decision: DecisionTo<'unchanged'>,
  deps: ActDeps,
  at: Date,
  result: ResultOf,
): Promise<ItemResult> {
  const written = await deps.store.resolve(item, {}, at, { touch: false });
  if (written)
    deps.logger.warn('Payout still open at Stripe long after it was made', {
      cashOutId: item.cashOutId,
      status: item.status,
      stripeObjectId: decision.object.id,
    });
  return result(written ? 'unchanged' : 'conflict', 'still_open_at_stripe', item.status, decision.object);
}

/** Writes the status Stripe shows (or that no payment was made). */
async function record(
  item: ReconciledItem,
  decision: DecisionTo<'record'>,
  deps: ActDeps,
  at: Date,
  result: ResultOf,
): Promise<ItemResult> {
  const written = await deps.store.resolve(item, recordFields(item, decision), at);
  if (written)
    deps.logger.info('Reconciled a cash-out', {
      cashOutId: item.cashOutId,
      from: item.status,
      to: decision.status,
      reason: decision.reason,
    });
  if (written && decision.failedAfterPaid)
    deps.logger.warn('A cash-out Village was told was paid did not reach the recipient', {
      cashOutId: item.cashOutId,
      to: decision.status,
    });
  return result(written ? 'resolved' : 'conflict', decision.reason, decision.status, decision.object);
}

/**
 * A recorded status, with the Stripe object's fields; a cash-out Village was not told was paid
 * no longer needs compensation, and one never answered is answered "not paid" from now on.
 */
function recordFields(item: ReconciledItem, decision: DecisionTo<'record'>): ReconcileFields {
  return {
    status: decision.status,
    reason: decision.status === item.status ? undefined : decision.reason,
    ...objectFields(decision.object),
    ...(decision.failedAfterPaid ? { failedAfterPaid: true } : {}),
    ...(villageWasPaid(item) ? {} : { needsCompensation: null }),
    ...(item.answer ? {} : { answer: notPaidAnswer(item.cashOutId, decision.reason) }),
  };
}

/** What acting on the decision would do, without doing it: for a dry run and for `onlyIf`. */
function planned(decision: Decision, result: ResultOf): ItemResult {
  switch (decision.action) {
    case 'skip':
      return result('skipped', decision.reason);
    case 'wait':
      return result('waiting', decision.reason);
    case 'unchanged':
      return result('planned', 'still_open_at_stripe', undefined, decision.object);
    case 'record':
    case 'operator':
      return result('planned', `${decision.action}:${decision.reason}`, decision.status, decision.object);
    case 'compensate':
      return result('planned', decision.how, undefined, decision.object);
    case 'ask_stripe':
      return result('planned', 'ask_stripe');
  }
}

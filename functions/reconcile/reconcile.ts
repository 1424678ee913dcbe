import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import { cashOutSubject, type HistoryStore } from '../shared/history.js';
import type { StoredAnswer } from '../shared/ledger.js';
import { describeStripeError, isRetryable } from '../shared/stripe.js';
import type { Logger } from '../shared/telemetry.js';
import { decide, villageWasPaid, type Decision, type MoneyObject, type ReconciledItem, type ReconciledStatus } from './decide.js';
import type { ReconcileFields, ReconcileStore, Selection } from './store.js';
import type { StripeMoney } from './stripe-money.js';

export interface ReconcileDeps {
  store: ReconcileStore;
  stripe: StripeMoney;
  clock: Clock;
  logger: Logger;
  selection: Selection;
  /** At most this many items per run; the rest wait for the next. */
  maxItems: number;
  /** Decide and report, but write nothing and change nothing at Stripe. */
  dryRun?: boolean;
  /** Called once per run with each outcome's count (zeros included), for metrics. */
  onCounts?: (counts: Record<Outcome, number>) => void;
  /** Gives back what a cash-out took of the limits (idempotent); absent: nothing is given back. */
  limits?: { release(cashOutId: string): Promise<unknown> };
  /** Where decisions that changed an item are written down, for the cash-out's story (the history table). */
  history?: HistoryStore;
}

const NOT_PAID: readonly string[] = ['failed', 'canceled', 'reversed', 'rejected'];

export type Outcome =
  'resolved' | 'compensated' | 'needs_operator' | 'waiting' | 'unchanged' | 'skipped' | 'conflict' | 'error' | 'planned';

export const OUTCOMES: readonly Outcome[] = [
  'resolved',
  'compensated',
  'needs_operator',
  'waiting',
  'unchanged',
  'skipped',
  'conflict',
  'error',
  'planned',
];

export interface ItemResult {
  cashOutId: string;
  from: ReconciledStatus;
  outcome: Outcome;
  /** The status written (or, in a dry run, that would be). */
  to?: ReconciledStatus;
  reason: string;
  stripeObjectId?: string;
  /** Not acted on: the decision, made at the moment of acting, was not the one required (`onlyIf`). */
  withheld?: boolean;
}

export interface ReconcileSummary {
  startedAt: string;
  table: string;
  dryRun: boolean;
  counts: Record<Outcome, number>;
  items: ItemResult[];
  /** Items left for the next run because this one ran out of time. */
  deferred: number;
}

/** Outcomes that wrote to the item; the others (waiting, skipped…) recur every run and are not written down. */
const WRITTEN: readonly Outcome[] = ['resolved', 'compensated', 'needs_operator', 'unchanged'];

/** What a result means, in words, for the cash-out's story and the operator's screen. */
export function describeResult(item: ItemResult): string {
  const object = item.stripeObjectId ? ` (${item.stripeObjectId})` : '';
  switch (item.outcome) {
    case 'resolved':
      return `${item.from} → ${item.to ?? item.from}: ${item.reason}${object}`;
    case 'compensated':
      return `took the money back (${item.reason}): ${item.from} → ${item.to ?? '?'}${object}`;
    case 'needs_operator':
      return `raised to an operator: ${item.reason}${object}`;
    case 'unchanged':
      return `checked at Stripe: still ${item.to ?? item.from}${object}`;
    case 'planned':
      return plannedText(item, object);
    case 'conflict':
      return `nothing written: the item changed while it was being reconciled (${item.reason})`;
    default:
      return `${item.outcome.replace('_', ' ')}: ${WHY_NOT[item.reason] ?? item.reason}`;
  }
}

/** Why nothing is done (yet), for people. */
const WHY_NOT: Record<string, string> = {
  with_operator: 'it is with an operator; reconciliation leaves it alone',
  lease_valid: 'an invocation still holds it (its lease has not run out)',
  finished: 'it is settled; there is nothing to reconcile',
  too_recent: 'a crashed claim is looked at once it is old enough (Village may still redeliver it)',
  not_stale: 'the payout is not old enough to check',
  gone: 'there is no such cash-out',
  not_found_yet: 'Stripe shows no payout yet, and the request is less than 24 h old',
};

function plannedText(item: ItemResult, object: string): string {
  const [action, reason] = item.reason.split(':', 2);
  switch (action) {
    case 'record':
      return `would record ${item.from} → ${item.to ?? item.from} (${reason})${object}`;
    case 'operator':
      return `would raise it to an operator: ${reason}${object}`;
    case 'cancel_payout':
      return `would cancel the payout at Stripe${object}: Village was not told it was paid`;
    case 'reverse_transfer':
      return `would reverse the transfer at Stripe${object}: Village was not told it was paid`;
    case 'still_open_at_stripe':
      return `would only note the check: Stripe still has it ${item.from}${object}`;
    default:
      return `would ${item.reason}${object}`;
  }
}

/** Writes a decision into the cash-out's history; a failure is logged and changes nothing else. */
export async function noteDecision(
  result: ItemResult,
  deps: Pick<ReconcileDeps, 'history' | 'clock' | 'logger'>,
  by: { who: string; note?: string },
): Promise<void> {
  if (!deps.history) return;
  try {
    await deps.history.append(
      cashOutSubject(result.cashOutId),
      {
        who: by.who,
        action: 'reconcile',
        outcome: result.outcome,
        result: describeResult(result),
        cashOutId: result.cashOutId,
        ...(by.note ? { note: by.note } : {}),
      },
      new Date(deps.clock.now()),
    );
  } catch (error) {
    deps.logger.warn('Could not write a reconciliation decision to the history table', {
      cashOutId: result.cashOutId,
      error: error as Error,
    });
  }
}

/** How long a compensation holds the item: longer than the Stripe calls it makes. */
const COMPENSATION_LEASE_MS = 5 * 60_000;

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
  const counts = Object.fromEntries(
    OUTCOMES.map((outcome) => [outcome, items.filter((item) => item.outcome === outcome).length]),
  ) as Record<Outcome, number>;
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

async function act(item: ReconciledItem, deps: ReconcileDeps, onlyIf?: (decision: ItemResult) => boolean): Promise<ItemResult> {
  const now = deps.clock.now();
  let decision = decide(item, now, deps.selection);
  if (decision.action === 'ask_stripe') decision = decide(item, now, deps.selection, await deps.stripe.find(item));
  const result = (outcome: Outcome, reason: string, to?: ReconciledStatus, object?: MoneyObject): ItemResult => ({
    cashOutId: item.cashOutId,
    from: item.status,
    outcome,
    reason,
    to,
    stripeObjectId: object?.id ?? item.stripeObjectId,
  });
  if (deps.dryRun) return planned(decision, result);
  // The decision acted on is this one, from this read of the item and of Stripe: never one decided earlier.
  if (onlyIf && !onlyIf(planned(decision, result))) return { ...planned(decision, result), withheld: true };

  const at = new Date(now);
  switch (decision.action) {
    case 'ask_stripe':
      throw new Error('Stripe was asked and the decision still needs Stripe');
    case 'skip':
      return result('skipped', decision.reason);
    case 'wait':
      deps.logger.info('No Stripe money movement found yet; waiting', { cashOutId: item.cashOutId, status: item.status });
      await deps.store.markChecked(item, at);
      return result('waiting', decision.reason);
    case 'unchanged': {
      const written = await deps.store.resolve(item, {}, at, { touch: false });
      if (written)
        deps.logger.warn('Payout still open at Stripe long after it was made', {
          cashOutId: item.cashOutId,
          status: item.status,
          stripeObjectId: decision.object.id,
        });
      return result(written ? 'unchanged' : 'conflict', 'still_open_at_stripe', item.status, decision.object);
    }
    case 'record': {
      const fields: ReconcileFields = {
        status: decision.status,
        reason: decision.status === item.status ? undefined : decision.reason,
        ...objectFields(decision.object),
        ...(decision.failedAfterPaid ? { failedAfterPaid: true } : {}),
        ...(villageWasPaid(item) ? {} : { needsCompensation: null }),
        ...(item.answer ? {} : { answer: notPaidAnswer(item.cashOutId, decision.reason) }),
      };
      const written = await deps.store.resolve(item, fields, at);
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

type ResultOf = (outcome: Outcome, reason: string, to?: ReconciledStatus, object?: MoneyObject) => ItemResult;

/** Takes the money back: claim the item first, so no Village retry can answer 200 for money being taken back. */
async function compensate(
  item: ReconciledItem,
  deps: ReconcileDeps,
  decision: Extract<Decision, { action: 'compensate' }>,
  result: ResultOf,
): Promise<ItemResult> {
  const { object } = decision;
  const attemptId = `reconcile:${randomUUID()}`;
  const claimedAt = new Date(deps.clock.now());
  const claimed = await deps.store.claim(
    item,
    attemptId,
    claimedAt.getTime() + COMPENSATION_LEASE_MS,
    notPaidAnswer(item.cashOutId, 'compensated'),
    claimedAt,
  );
  if (!claimed) return result('conflict', 'changed_before_compensation');
  const held: ReconciledItem = { ...item, attemptId };

  let after: MoneyObject;
  try {
    after =
      decision.how === 'cancel_payout'
        ? await deps.stripe.cancelPayout(item, object.id)
        : await deps.stripe.reverseTransfer(item, object.id);
  } catch (error) {
    const failure = describeStripeError(error);
    if (!failure || isRetryable(failure)) throw error; // The lease runs out and the next run tries again.
    const reason = `${decision.how === 'cancel_payout' ? 'cancel' : 'reversal'}_refused:${failure.code ?? failure.type}`;
    const status = object.status as ReconciledStatus;
    return raiseToOperator(
      item,
      deps,
      status,
      reason,
      object,
      (at) => deps.store.finish(held, attemptId, operatorFields(item, status, reason, object), at),
      result,
    );
  }

  const status = after.status as ReconciledStatus;
  if (!['canceled', 'reversed'].includes(status)) {
    const reason = `compensation_not_confirmed:${after.status}`;
    return raiseToOperator(
      item,
      deps,
      status,
      reason,
      after,
      (at) => deps.store.finish(held, attemptId, operatorFields(item, status, reason, after), at),
      result,
    );
  }
  const at = new Date(deps.clock.now());
  const compensation = decision.how === 'cancel_payout' ? 'payout_canceled' : 'transfer_reversed';
  const written = await deps.store.finish(
    held,
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

async function raiseToOperator(
  item: ReconciledItem,
  deps: ReconcileDeps,
  status: ReconciledStatus,
  reason: string,
  object: MoneyObject | undefined,
  write: (at: Date) => Promise<boolean>,
  result: ResultOf,
): Promise<ItemResult> {
  const written = await write(new Date(deps.clock.now()));
  if (!written) return result('conflict', reason);
  // An operator alarm watches the ReconcileNeedsOperator metric this becomes.
  deps.logger.error('Cash-out needs an operator', {
    cashOutId: item.cashOutId,
    status,
    reason,
    stripeObjectId: object?.id ?? item.stripeObjectId,
    villageAnswer: item.answer?.statusCode,
  });
  return result('needs_operator', reason, status, object);
}

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

function objectFields(
  object: MoneyObject | undefined,
): Partial<Pick<ReconciledItem, 'stripeObjectId' | 'stripeObjectType' | 'failureCode' | 'failureMessage' | 'amountReversed'>> {
  if (!object) return {};
  return {
    stripeObjectId: object.id,
    stripeObjectType: object.object,
    ...(object.failureCode ? { failureCode: object.failureCode, failureMessage: object.failureMessage } : {}),
    ...(object.amountReversed ? { amountReversed: object.amountReversed } : {}),
  };
}

function operatorFields(
  item: ReconciledItem,
  status: ReconciledStatus,
  reason: string,
  object: MoneyObject | undefined,
): ReconcileFields & { status: ReconciledStatus } {
  return {
    status,
    needsOperator: true,
    operatorReason: reason,
    ...objectFields(object),
    // Where no answer was recorded, what Village heard is not known: none is invented.
    ...(item.answer && !villageWasPaid(item) ? { needsCompensation: true } : {}),
  };
}

/**
 * What a redelivery of a cash-out whose attempt never answered is told from now on: not
 * paid. (Village already saw a timeout, which it treats as failed.)
 */
function notPaidAnswer(cashOutId: string, reason: string): StoredAnswer {
  return {
    statusCode: 500,
    body: {
      error: 'cash_out_not_completed',
      message: `An earlier attempt at this cash-out did not finish; reconciliation settled it as not paid (${reason}).`,
      cashOutId,
    },
  };
}

import type { LedgerItem, LedgerStatus } from '../shared/ledger.js';

/** The ledger's statuses and item, as reconciliation reads and writes them (one type: ledger-item.ts). */
export type ReconciledStatus = LedgerStatus;
export type ReconciledItem = LedgerItem;

/** A payout or transfer as Stripe reports it, reduced to what deciding needs. */
export interface MoneyObject {
  id: string;
  object: 'payout' | 'transfer';
  /** A payout's own status; a transfer is `paid`, or `reversed` once fully reversed. */
  status: string;
  amount: number;
  /** Lowercase, as Stripe writes it. */
  currency: string;
  created: number;
  amountReversed?: number;
  failureCode?: string;
  failureMessage?: string;
}

export type StripeFinding = { found: 'one'; object: MoneyObject } | { found: 'none' } | { found: 'several'; ids: string[] };

export interface ReconcileSettings {
  /** A `processing` claim is looked at only once its lease has run out and it is older than this. */
  minAgeMs: number;
  /** Payouts answered 200 and still `pending`/`in_transit` are checked once older than this. */
  staleMs: number;
  /** An open payout checked and found unchanged is checked again after this. */
  recheckMs: number;
  /** Stripe keeps idempotency keys at least 24 h: once this has passed since the request, a missing payout never appears. */
  notFoundAfterMs: number;
  /**
   * A crashed claim (no answer recorded) whose money moved: Village saw a timeout, or was
   * answered 200 and only the ledger write failed (answer.ts `finishPaid`). `operator` (the
   * default) raises it; `compensate` treats it as a timeout and takes the money back.
   */
  unansweredMoneyMoved?: 'operator' | 'compensate';
}

export type Decision =
  | { action: 'skip'; reason: string }
  | { action: 'ask_stripe' }
  | { action: 'wait'; reason: string }
  /** Stripe agrees with the ledger; only note that it was checked. */
  | { action: 'unchanged'; object: MoneyObject }
  | { action: 'record'; status: ReconciledStatus; reason: string; object?: MoneyObject; failedAfterPaid?: boolean }
  | { action: 'compensate'; how: 'cancel_payout' | 'reverse_transfer'; object: MoneyObject }
  | { action: 'operator'; status: ReconciledStatus; reason: string; object?: MoneyObject };

const FINISHED: readonly ReconciledStatus[] = ['failed', 'canceled', 'rejected', 'reversed'];
/** Stripe statuses in which no money reached (or stayed with) the recipient. */
const NOTHING_MOVED = ['failed', 'canceled', 'reversed'];
const KNOWN_STRIPE_STATUSES = ['pending', 'in_transit', 'paid', 'failed', 'canceled', 'reversed'];

const skip = (reason: string): Decision => ({ action: 'skip', reason });
const age = (iso: string | undefined, now: number) => (iso === undefined ? Infinity : now - Date.parse(iso));

/**
 * Whether Village was told the cash-out was paid: only a 200 counts, and only if no delivery
 * of it was answered otherwise since (`needsCompensation`: Village returns the balance on any
 * non-200).
 */
export const villageWasPaid = (item: Pick<LedgerItem, 'answer' | 'needsCompensation'>): boolean =>
  item.answer?.statusCode === 200 && !item.needsCompensation;

/** Whether this run should look at the item at all (the selection, restated per item). */
function isDue(item: ReconciledItem, now: number, settings: ReconcileSettings): Decision | undefined {
  if (item.needsOperator) return skip('with_operator');
  if (item.leaseExpiresAt > now) return skip('lease_valid');
  if (FINISHED.includes(item.status)) return skip('finished');
  if (item.status === 'processing' && age(item.updatedAt, now) < settings.minAgeMs) return skip('too_recent');
  if (villageWasPaid(item)) {
    if (item.status === 'paid') return skip('finished');
    const open = item.status === 'pending' || item.status === 'in_transit';
    if (open && (age(item.updatedAt, now) < settings.staleMs || age(item.reconciledAt, now) < settings.recheckMs)) return skip('not_stale');
  }
  return undefined;
}

/**
 * What to do with one ledger item, given what Stripe says (`finding`; undefined until Stripe
 * has been asked). Pure: the job asks, then acts on the answer.
 *
 * Village treats only a 200 as paid. So where Village was answered 200, the ledger follows
 * Stripe; where it was answered anything else, or never answered, no money may stay moved:
 * a pending payout is canceled, a transfer reversed, and what cannot be taken back goes to
 * an operator.
 */
export function decide(item: ReconciledItem, now: number, settings: ReconcileSettings, finding?: StripeFinding): Decision {
  const notDue = isDue(item, now, settings);
  if (notDue) return notDue;
  const paid = villageWasPaid(item);

  if (item.stripeRequestSentAt === undefined && item.stripeObjectId === undefined) {
    // No Stripe create call was ever made, so nothing can have moved.
    if (paid) return { action: 'operator', status: item.status, reason: 'answered_200_without_stripe_request' };
    return {
      action: 'record',
      status: 'rejected',
      reason: item.answer ? (item.reason ?? 'no_payment_attempted') : 'abandoned_before_payment',
    };
  }
  if (!finding) return { action: 'ask_stripe' };

  if (finding.found === 'several')
    return { action: 'operator', status: item.status, reason: `several_stripe_objects:${finding.ids.join(',')}` };
  if (finding.found === 'none') {
    if (paid || item.stripeObjectId !== undefined) return { action: 'operator', status: item.status, reason: 'stripe_object_missing' };
    const sentAt = item.stripeRequestSentAt === undefined ? undefined : Date.parse(item.stripeRequestSentAt);
    if (sentAt !== undefined && now - sentAt >= settings.notFoundAfterMs)
      return { action: 'record', status: 'rejected', reason: 'no_payout_found' };
    return { action: 'wait', reason: 'not_found_yet' };
  }

  const { object } = finding;
  if (object.amount !== item.amountMinor || object.currency !== item.currency.toLowerCase()) {
    return { action: 'operator', status: item.status, reason: 'stripe_object_does_not_match', object };
  }
  if (!KNOWN_STRIPE_STATUSES.includes(object.status)) {
    return { action: 'operator', status: item.status, reason: `unrecognised_stripe_status:${object.status}`, object };
  }
  const stripeStatus = object.status as ReconciledStatus;

  if (paid) {
    if (stripeStatus === item.status) return { action: 'unchanged', object };
    return {
      action: 'record',
      status: stripeStatus,
      reason: 'stripe_status',
      object,
      failedAfterPaid: NOTHING_MOVED.includes(stripeStatus),
    };
  }
  // Village treats this cash-out as failed: no money may stay moved.
  if (NOTHING_MOVED.includes(stripeStatus)) return { action: 'record', status: stripeStatus, reason: 'nothing_moved', object };
  if (!item.answer && settings.unansweredMoneyMoved !== 'compensate') {
    return { action: 'operator', status: stripeStatus, reason: 'village_answer_unknown', object };
  }
  if (object.object === 'transfer') return { action: 'compensate', how: 'reverse_transfer', object };
  if (stripeStatus === 'pending') return { action: 'compensate', how: 'cancel_payout', object };
  return { action: 'operator', status: stripeStatus, reason: `payout_${stripeStatus}_cannot_be_canceled`, object };
}

import type { LimitRefusal } from './limits.js';
import type { MoveKind } from './money.js';

/**
 * The cash-out ledger: one item per Village cash-out, keyed by `cashOutId`, its state in
 * `status`.
 *
 * - `processing`: claimed by an invocation (`attemptId`) until `leaseExpiresAt`.
 * - `pending`, `in_transit`, `paid`: Stripe accepted the money movement (Stripe's payout
 *   lifecycle; a transfer is `paid` once created), Village was answered 200.
 * - `failed`: Stripe refused it, nothing moved; or a payout failed later (see `failureCode`).
 * - `canceled`: the payout was canceled.
 * - `rejected`: the gateway refused before any money moved (unknown recipient, payouts not
 *   enabled, no time left).
 * - `unknown`: Stripe's answer never came; the reconciliation job resolves it.
 * - `reversed`: the transfer was reversed (Stripe `transfer.reversed`, transfer mode).
 */
export type LedgerStatus = 'processing' | 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled' | 'rejected' | 'unknown' | 'reversed';

/** Every status a ledger item can have, for listing through the index by status without a scan. */
export const LEDGER_STATUSES: readonly LedgerStatus[] = [
  'processing',
  'unknown',
  'pending',
  'in_transit',
  'paid',
  'failed',
  'canceled',
  'rejected',
  'reversed',
];

export const TERMINAL_LEDGER_STATUSES: readonly LedgerStatus[] = ['paid', 'failed', 'canceled', 'rejected', 'reversed'];

export interface StoredAnswer {
  statusCode: number;
  body: Record<string, unknown>;
}

/**
 * Whose the stored `answer` is, and whether it may still change:
 * - `given`: recorded by the delivery holding the claim (`attemptId`); a 200 may yet be
 *   withdrawn by that delivery if it was recorded too late.
 * - `adopted`: a 200 a duplicate delivery repeated: the claim passed to that delivery
 *   (`attemptId`), so the first delivery can no longer withdraw it.
 * - `withdrawn`: a 200 recorded (or being recorded) too late, replaced by
 *   `answered_after_deadline`: the money is due back, and the holder's writes are fenced out.
 * - `refused_duplicate`: a duplicate delivery was refused while the cash-out was in flight or
 *   just answered: the money is due back.
 * - `reconciled`: recorded by reconciliation taking the money back where no delivery had answered.
 */
export type AnswerState = 'given' | 'adopted' | 'withdrawn' | 'refused_duplicate' | 'reconciled';

export interface LedgerItem {
  cashOutId: string;
  status: LedgerStatus;
  /** `<status>#<shard>`, written with every status: the partition key of the byStatusShard index (status-index.ts). */
  statusShard?: string;
  mode: MoveKind;
  destinationEmail: string;
  amount: string;
  currency: string;
  amountMinor: number;
  fingerprint: string;
  /** The Stripe idempotency key every attempt for this cash-out uses. */
  stripeIdempotencyKey: string;
  attemptId: string;
  attempts: number;
  leaseExpiresAt: number;
  createdAt: string;
  updatedAt: string;
  payload: string;
  accountId?: string;
  /** Set just before the first Stripe create call: from here on, money may have moved. */
  stripeRequestSentAt?: string;
  stripeObjectId?: string;
  stripeObjectType?: 'payout' | 'transfer';
  /** The answer Village was given; a duplicate delivery gets the same one. */
  answer?: StoredAnswer;
  /** Whose that answer is, and whether it may still change; written with every answer. */
  answerState?: AnswerState;
  /** Epoch ms after which Village no longer waits for this cash-out's answer (its deadline less the margin). */
  answerBy?: number;
  /** When that answer was recorded (items from before this field have only `updatedAt`). */
  answeredAt?: string;
  reason?: string;
  failureCode?: string;
  failureMessage?: string;
  /** `created` (unix seconds) of the newest Stripe event applied to this item. */
  lastEventCreated?: number;
  /** The id and type of that Stripe event. */
  lastEventId?: string;
  lastEventType?: string;
  /** Village was answered 200, then the payout failed, was canceled, or the transfer was reversed: the user has not been paid. */
  failedAfterPaid?: boolean;
  /**
   * Village was answered non-200 (by any delivery of this cash-out), yet money may move or has
   * moved: reconciliation must cancel or reverse it. Overrides a stored 200.
   */
  needsCompensation?: boolean;
  /** When a duplicate delivery was answered non-200 while this cash-out was in flight or just answered. */
  refusedDuplicateAt?: string;
  /** Transfers: how much of it was reversed (minor units). */
  amountReversed?: number;
  /** Payouts, from their Stripe events: when the money is expected to arrive (unix seconds), and Stripe's own reconciliation status. */
  arrivalDate?: number;
  reconciliationStatus?: string;
  /** Refused by a limit (`rejected`, answered 422 `limit_exceeded`): which one, and what it had left. */
  limitRefusal?: LimitRefusal;
  /** Money moved that reconciliation could not take back, or Stripe and the ledger disagree: a person must look. */
  needsOperator?: boolean;
  operatorReason?: string;
  /** How reconciliation took the money back, and when. */
  compensation?: 'payout_canceled' | 'transfer_reversed';
  compensatedAt?: string;
  /** When reconciliation last looked at this item. */
  reconciledAt?: string;
}

export type NewLedgerItem = Omit<LedgerItem, 'status' | 'statusShard' | 'attempts' | 'updatedAt'>;

/** Fields a transition writes: `undefined` leaves a field alone, `null` removes it. */
export type LedgerFields = { [K in keyof LedgerItem]?: LedgerItem[K] | null };

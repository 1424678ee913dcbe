import { rankOf, type Lifecycle as RecordLifecycle } from '../shared/record-model.js';

/**
 * What each Just Wallet record can become, and in what order (the records' one lifecycle
 * type, shared/lifecycle.ts, with the kind of record it is). A status only ever moves to a
 * higher rank, and never away from a terminal one, so a late or repeated event cannot move a
 * record backwards. Equal ranks (e.g. `refunded` and `reversed`) are alternatives: the first
 * to arrive stays. Rails return money after completion (a bank return), so a settled record
 * moves on to a `returns` status, flagged `returnedAfterCompletion`.
 */
export type RecordKind = 'just_wallet_payout' | 'just_wallet_funding' | 'just_wallet_quote';

export type Lifecycle = RecordLifecycle & { kind: RecordKind };

export { rankOf };

/** How a payout or a funding ends: the money did not arrive, or came back after it had. */
const RETURNS = ['failed', 'refunded', 'reversed'] as const;

/**
 * A payout's or a funding's lifecycle: forward-only, `settled` once the money has arrived, and
 * ended by one of RETURNS, which may also come after `settled` (highest in `rank`).
 */
const settledLifecycle = (kind: RecordKind, rank: Lifecycle['rank'], settled: string): Lifecycle => ({
  kind,
  rank,
  terminal: RETURNS,
  forwardOnly: true,
  settled,
  returns: RETURNS,
});

/**
 * pending → initiated → processing → completed → failed | refunded | reversed; failed may
 * come at any step, also after completed (the money came back).
 */
export const PAYOUT = settledLifecycle(
  'just_wallet_payout',
  { pending: 0, initiated: 1, processing: 2, completed: 3, failed: 4, refunded: 4, reversed: 4 },
  'completed',
);

/** pending → success → failed | refunded | reversed; failed may also come straight from pending. */
export const FUNDING = settledLifecycle('just_wallet_funding', { pending: 0, success: 1, failed: 2, refunded: 2, reversed: 2 }, 'success');

/**
 * A quote's status is the type of the last event that moved it: created (or not), then
 * funded. A failed funding may be followed by a successful one; a failed creation and a
 * successful funding are final.
 */
export const QUOTE: Lifecycle = {
  kind: 'just_wallet_quote',
  rank: { 'quote_creation.success': 1, 'quote_creation.failed': 1, 'quote_funding.failed': 2, 'quote_funding.success': 3 },
  terminal: ['quote_creation.failed', 'quote_funding.success'],
  forwardOnly: true,
};

/**
 * What each Just Wallet record can become, and in what order. A status only ever moves to a
 * higher rank, and never away from a terminal one, so a late or repeated event cannot move a
 * record backwards. Equal ranks (e.g. `refunded` and `reversed`) are alternatives: the first
 * to arrive stays.
 */
export type RecordKind = 'just_wallet_payout' | 'just_wallet_funding' | 'just_wallet_quote';

export interface Lifecycle {
  kind: RecordKind;
  ranks: Readonly<Record<string, number>>;
  terminal: ReadonlySet<string>;
  /** The status at which the money has arrived (a payout `completed`, a funding `success`). */
  settled?: string;
  /**
   * The final statuses that may still follow `settled`: rails return money after completion
   * (a bank return), so a record moves on to them, flagged `returnedAfterCompletion`.
   */
  returns?: ReadonlySet<string>;
}

/**
 * pending → initiated → processing → completed → failed | refunded | reversed; failed may
 * come at any step, also after completed (the money came back).
 */
export const PAYOUT: Lifecycle = {
  kind: 'just_wallet_payout',
  ranks: { pending: 0, initiated: 1, processing: 2, completed: 3, failed: 4, refunded: 4, reversed: 4 },
  terminal: new Set(['failed', 'refunded', 'reversed']),
  settled: 'completed',
  returns: new Set(['failed', 'refunded', 'reversed']),
};

/** pending → success → failed | refunded | reversed; failed may also come straight from pending. */
export const FUNDING: Lifecycle = {
  kind: 'just_wallet_funding',
  ranks: { pending: 0, success: 1, failed: 2, refunded: 2, reversed: 2 },
  terminal: new Set(['failed', 'refunded', 'reversed']),
  settled: 'success',
  returns: new Set(['failed', 'refunded', 'reversed']),
};

/**
 * A quote's status is the type of the last event that moved it: created (or not), then
 * funded. A failed funding may be followed by a successful one; a failed creation and a
 * successful funding are final.
 */
export const QUOTE: Lifecycle = {
  kind: 'just_wallet_quote',
  ranks: { 'quote_creation.success': 1, 'quote_creation.failed': 1, 'quote_funding.failed': 2, 'quote_funding.success': 3 },
  terminal: new Set(['quote_creation.failed', 'quote_funding.success']),
};

export function rankOf(lifecycle: Lifecycle, status: string): number | undefined {
  return Object.hasOwn(lifecycle.ranks, status) ? lifecycle.ranks[status] : undefined;
}

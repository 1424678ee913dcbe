import type { ReconciledItem } from '../functions/reconcile/decide.js';

/**
 * Why a cash-out needs a person:
 * - `unknown`: Stripe's answer never came (reconciliation is on it);
 * - `stuck_processing`: claimed, and its invocation's lease has run out;
 * - `needs_operator`: reconciliation could not settle it;
 * - `needs_compensation`: Village was told it failed, yet money moved;
 * - `failed_after_paid`: Village was told 200, then the payout failed or the transfer was reversed;
 * - `limit_exceeded`: refused by a limit (nothing paid): a leaked secret or a bug on Village's side looks like this.
 */
export type AttentionReason =
  'unknown' | 'stuck_processing' | 'needs_operator' | 'needs_compensation' | 'failed_after_paid' | 'limit_exceeded';

export const ATTENTION_LABELS: Record<AttentionReason, string> = {
  unknown: 'outcome unknown',
  stuck_processing: 'processing past its lease',
  needs_operator: 'needs an operator',
  needs_compensation: 'needs compensation',
  failed_after_paid: 'failed after a 200',
  limit_exceeded: 'refused by a limit',
};

/** What the operator does next for each reason (docs/console.md's table says the same). */
export const ATTENTION_NEXT_STEPS: Record<AttentionReason, string> = {
  unknown: 'Usually nothing: reconciliation settles it within 15 minutes. Reconcile now shows what it will do.',
  stuck_processing: 'Wait for reconciliation (10 minutes), or use Reconcile now.',
  needs_operator: 'Look at the payout in Stripe (the link on this page), act there, then Acknowledge with what you did.',
  needs_compensation: 'Reconciliation cancels or reverses it; if it cannot, it becomes "needs an operator".',
  failed_after_paid:
    'The recipient has not been paid although Village was told they were: read the failure below, contact the recipient (e.g. for new bank details) or Village (to restore their balance), then Acknowledge with what you did.',
  limit_exceeded:
    'Nothing was paid. If the cash-out is genuine, raise the limit (npm run limits -- set) and ask Village to send it again; if not (a leaked secret?), rotate the Village secret. Then Acknowledge with what you did.',
};

/** An operator's acknowledgement, kept on the ledger item (the history table keeps every one). */
export interface Acknowledgement {
  at: string;
  by: string;
  note: string;
  /** The reasons it covered: a new reason raised later puts the item back in the queue. */
  reasons: AttentionReason[];
}

/** A ledger item as the console sees it. */
export type OperatorCashOut = ReconciledItem & { acknowledged?: Acknowledgement };

export function attentionReasons(item: OperatorCashOut, nowMs: number): AttentionReason[] {
  const reasons: AttentionReason[] = [];
  if (item.status === 'unknown') reasons.push('unknown');
  if (item.status === 'processing' && item.leaseExpiresAt < nowMs) reasons.push('stuck_processing');
  if (item.needsOperator) reasons.push('needs_operator');
  if (item.needsCompensation) reasons.push('needs_compensation');
  if (item.failedAfterPaid) reasons.push('failed_after_paid');
  if (item.limitRefusal) reasons.push('limit_exceeded');
  return reasons;
}

/** The reasons no acknowledgement covers yet. */
export function openReasons(item: OperatorCashOut, nowMs: number): AttentionReason[] {
  const acknowledged = new Set(item.acknowledged?.reasons ?? []);
  return attentionReasons(item, nowMs).filter((reason) => !acknowledged.has(reason));
}

import { randomUUID } from 'node:crypto';
import { finish, refusal, type CashOutAnswer, type CashOutDeps, type CashOutTiming } from './answer.js';
import { claimCashOut } from './claim.js';
import { payClaimed, type PayProgress } from './pay.js';
import type { CashOutRequest } from './payload.js';

/**
 * A Village cash-out, exactly once: claim the cash-out id (claim.ts), find the recipient, check
 * their account and move the money with an idempotency key derived from the cash-out id
 * (pay.ts), record the outcome and the answer (answer.ts), answer. Answers 200 only when Stripe
 * has accepted the movement; any other answer means no money moved, or (`unknown`)
 * reconciliation will find out.
 */
export async function processCashOut(request: CashOutRequest, deps: CashOutDeps, timing: CashOutTiming): Promise<CashOutAnswer> {
  const attemptId = randomUUID();
  // Read beside the claim (one round trip fewer); it is only a read, used once the claim is ours.
  const recipientLookup = deps.recipients.get(request.destinationEmail);
  recipientLookup.catch(() => undefined);
  const claimed = await claimCashOut(request, deps, attemptId, timing);
  if (claimed.answer) return claimed.answer;
  const item = claimed.item;

  const progress: PayProgress = { mayHaveSent: item.stripeRequestSentAt !== undefined };
  try {
    return await payClaimed(deps, item, attemptId, timing, progress, recipientLookup);
  } catch (error) {
    // Unexpected: leave a true record. If a Stripe request may have gone, reconciliation decides.
    deps.logger.error('Cash-out failed unexpectedly', { cashOutId: item.cashOutId, error: error as Error });
    const mayHavePaid = progress.mayHaveSent;
    return finish(
      deps,
      item,
      attemptId,
      mayHavePaid ? 'unknown' : 'rejected',
      refusal(
        500,
        mayHavePaid ? 'payout_outcome_unknown' : 'internal_error',
        mayHavePaid ? 'The payout outcome is not known yet; it will be reconciled.' : 'An unexpected error occurred; nothing was paid.',
        item.cashOutId,
      ),
      { reason: 'unexpected_error' },
      timing,
    );
  }
}

import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { LedgerStore, StoredAnswer } from '../shared/ledger.js';
import type { MoveKind } from '../shared/money.js';
import type { RecipientStore } from '../shared/recipients.js';
import type { StripeClient } from '../shared/stripe.js';
import type { Logger } from '../shared/telemetry.js';
import { finish, refusal } from './answer.js';
import { claimCashOut } from './claim.js';
import type { CashOutLimits } from './limits.js';
import { payClaimed, type PayProgress } from './pay.js';
import type { CashOutRequest } from './payload.js';

export interface CashOutDeps {
  ledger: LedgerStore;
  recipients: RecipientStore;
  /** The Stripe client; a function because the key is a secret fetched on first use. */
  stripe: () => Promise<StripeClient>;
  /** What a cash-out may move (read only) and what cash-outs have taken of it. */
  limits: CashOutLimits;
  mode: MoveKind;
  clock: Clock;
  logger: Logger;
  /** Stripe keeps idempotency keys at least 24 h: a stale claim older than this is not retried. */
  idempotencyWindowMs: number;
  stripeAttemptTimeoutMs: number;
  minAttemptMs: number;
  /** Kept back from the deadline for the ledger write that records the answer: Stripe must be done before it. */
  ledgerWriteReserveMs: number;
  /** Called with each outcome, for metrics. */
  onOutcome?: (outcome: string) => void;
}

export interface CashOutTiming {
  /** Epoch ms by which the answer must be ready (Village's deadline less a margin). A 200 is never given later. */
  deadlineAt: number;
  /** Epoch ms after which this invocation surely no longer runs (its claim may be taken over). */
  leaseExpiresAt: number;
  /** Epoch ms by which this invocation must have returned (the function's own time limit, less a little). */
  hardStopAt: number;
}

export type CashOutAnswer = StoredAnswer & { replayed?: boolean };

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

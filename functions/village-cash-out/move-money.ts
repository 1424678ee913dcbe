import type { Clock } from '../shared/clock.js';
import { sleep } from '../shared/clock.js';
import { payoutDescription, type MoveKind } from '../shared/money.js';
import { boundedStripeCall, describeStripeError, isRetryable, type StripeClient, type StripeFailure } from '../shared/stripe.js';

export interface MoneyMovement {
  mode: MoveKind;
  cashOutId: string;
  accountId: string;
  amountMinor: number;
  /** Lowercase, as Stripe writes it. */
  currency: string;
  idempotencyKey: string;
}

export interface StripeMoneyObject {
  id: string;
  object: 'payout' | 'transfer';
  /** A payout's status; a transfer has none, and is `paid` once created. */
  status: string;
  created: number;
}

export type MoveOutcome =
  | { kind: 'created'; object: StripeMoneyObject; attempts: number }
  /** Stripe answered definitely that it did not do it. */
  | { kind: 'refused'; failure: StripeFailure; attempts: number }
  /** A request may have reached Stripe, and no answer came in time. */
  | { kind: 'unknown'; failure?: StripeFailure; attempts: number }
  /** Nothing reached Stripe, or Stripe said it did nothing (429), and time ran out. */
  | { kind: 'not_sent'; failure?: StripeFailure; attempts: number };

export interface MoveBudget {
  clock: Clock;
  /** Epoch ms by which an answer must be in hand. */
  deadlineAt: number;
  /** The longest one attempt may take. */
  attemptTimeoutMs: number;
  /** An attempt is not started with less time than this left. */
  minAttemptMs: number;
}

/**
 * Creates the payout or transfer, retrying ambiguous failures (timeouts, resets, 5xx, 409 —
 * another attempt with this key still running at Stripe) and 429 (nothing done)
 * with the same idempotency key, so however many attempts reach Stripe, at most one
 * movement of money exists. Stops before the deadline.
 */
export async function moveMoney(stripe: StripeClient, movement: MoneyMovement, budget: MoveBudget): Promise<MoveOutcome> {
  let attempts = 0;
  let ambiguous = false;
  let lastFailure: StripeFailure | undefined;
  for (;;) {
    const remaining = budget.deadlineAt - budget.clock.now();
    if (remaining < budget.minAttemptMs) {
      return ambiguous ? { kind: 'unknown', failure: lastFailure, attempts } : { kind: 'not_sent', failure: lastFailure, attempts };
    }
    attempts += 1;
    try {
      const timeout = Math.min(budget.attemptTimeoutMs, remaining);
      const object = await boundedStripeCall(timeout, `Creating the ${movement.mode}`, () => create(stripe, movement, timeout));
      return { kind: 'created', object, attempts };
    } catch (error) {
      const failure = describeStripeError(error);
      if (!failure) throw error;
      lastFailure = failure;
      // The key was used before with other parameters: that earlier request may have paid.
      if (failure.type === 'StripeIdempotencyError' && failure.statusCode !== 409) return { kind: 'unknown', failure, attempts };
      if (!isRetryable(failure)) return { kind: 'refused', failure, attempts };
      if (failure.statusCode !== 429) ambiguous = true;
      const backoff = Math.min(50 * 2 ** (attempts - 1), 1000) * (0.5 + Math.random() / 2);
      await sleep(Math.min(backoff, Math.max(0, budget.deadlineAt - budget.clock.now() - budget.minAttemptMs)));
    }
  }
}

async function create(stripe: StripeClient, movement: MoneyMovement, timeout: number): Promise<StripeMoneyObject> {
  const metadata = { cash_out_id: movement.cashOutId };
  if (movement.mode === 'payout') {
    const payout = await stripe.payouts.create(
      { amount: movement.amountMinor, currency: movement.currency, metadata, description: payoutDescription(movement.cashOutId) },
      { stripeAccount: movement.accountId, idempotencyKey: movement.idempotencyKey, timeout },
    );
    return { id: payout.id, object: 'payout', status: payout.status, created: payout.created };
  }
  const transfer = await stripe.transfers.create(
    {
      amount: movement.amountMinor,
      currency: movement.currency,
      destination: movement.accountId,
      transfer_group: movement.cashOutId,
      metadata,
    },
    { idempotencyKey: movement.idempotencyKey, timeout },
  );
  return { id: transfer.id, object: 'transfer', status: 'paid', created: transfer.created };
}

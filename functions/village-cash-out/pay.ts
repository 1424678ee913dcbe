import type { Clock } from '../shared/clock.js';
import { retryWithin } from '../shared/deadline.js';
import type { LedgerItem, LedgerStatus } from '../shared/ledger.js';
import type { MoveKind } from '../shared/money.js';
import type { Recipient } from '../shared/recipients.js';
import { maskEmail } from '../shared/redact.js';
import { boundedStripeCall, describeStripeError, isRetryable, type StripeClient, type StripeFailure } from '../shared/stripe.js';
import { answer, finish, finishPaid, refusal } from './answer.js';
import type { CashOutAnswer, CashOutDeps, CashOutTiming } from './answer.js';
import { limitAnswer, reserveLimits } from './limits.js';
import { moveMoney, type MoveOutcome } from './move-money.js';

/** Whether a Stripe request may have gone for this attempt: decides what an unexpected failure means. */
export interface PayProgress {
  mayHaveSent: boolean;
}

/**
 * Pays a claimed cash-out: unless an earlier attempt already sent the Stripe request (its
 * retry reuses the idempotency key), checks the recipient first; then moves the money and
 * records the outcome and the answer.
 */
export async function payClaimed(
  deps: CashOutDeps,
  item: LedgerItem,
  attemptId: string,
  timing: CashOutTiming,
  progress: PayProgress,
  recipientLookup: Promise<Recipient | undefined>,
): Promise<CashOutAnswer> {
  const { clock } = deps;
  const alreadySent = item.stripeRequestSentAt !== undefined;
  let accountId = item.accountId;
  // Stripe must have answered with time left to record the answer before Village's deadline.
  const stripeDeadlineAt = timing.deadlineAt - deps.ledgerWriteReserveMs;

  if (!alreadySent) {
    const checked = await checkBeforePaying(deps, item, attemptId, timing, recipientLookup);
    if ('answer' in checked) return checked.answer;
    accountId = checked.accountId;
  }

  const stripe = await deps.stripe();
  progress.mayHaveSent = true;
  const outcome = await moveMoney(
    stripe,
    {
      mode: item.mode,
      cashOutId: item.cashOutId,
      accountId: accountId!,
      amountMinor: item.amountMinor,
      currency: item.currency.toLowerCase(),
      idempotencyKey: item.stripeIdempotencyKey,
    },
    { clock, deadlineAt: stripeDeadlineAt, attemptTimeoutMs: deps.stripeAttemptTimeoutMs, minAttemptMs: deps.minAttemptMs },
  );
  // A claim taken over after its Stripe call was marked may already have paid: running out
  // of time now proves nothing, so the outcome is unknown rather than "nothing sent".
  return recordOutcome(
    deps,
    item,
    attemptId,
    alreadySent && outcome.kind === 'not_sent' ? { ...outcome, kind: 'unknown' } : outcome,
    timing,
  );
}

/**
 * Before any money may move: who is paid, and can they be? Refusals are recorded and answered
 * here. Ends by marking the Stripe request as sent, fenced by the attempt.
 */
async function checkBeforePaying(
  deps: CashOutDeps,
  item: LedgerItem,
  attemptId: string,
  timing: CashOutTiming,
  recipientLookup: Promise<Recipient | undefined>,
): Promise<{ accountId: string } | { answer: CashOutAnswer }> {
  const { clock, logger } = deps;
  const cashOutId = item.cashOutId;
  const stripeDeadlineAt = timing.deadlineAt - deps.ledgerWriteReserveMs;
  const reject = async (result: ReturnType<typeof refusal>, fields: Partial<LedgerItem>) => ({
    answer: await finish(deps, item, attemptId, 'rejected', result, fields, timing),
  });
  const recipient = await recipientLookup;
  if (!recipient) {
    logger.warn('Cash-out for an unknown recipient', { cashOutId, recipient: maskEmail(item.destinationEmail) });
    const message = 'No Stripe connected account is registered for destination_email; nothing was paid.';
    return reject(refusal(400, 'unknown_recipient', message, cashOutId), { reason: 'unknown_recipient' });
  }
  const accountId = recipient.accountId;
  const stripe = await deps.stripe();
  if (stripeDeadlineAt - clock.now() < 2 * deps.minAttemptMs) {
    const message = "Not enough time left before Village's deadline; nothing was paid.";
    return reject(refusal(500, 'deadline_exceeded', message, cashOutId), { reason: 'deadline_exceeded', accountId });
  }
  // Taken before the account check, and given back (finish) if nothing is paid after all.
  const overLimit = await reserveLimits(deps.limits, item, accountId, stripeDeadlineAt - 2 * deps.minAttemptMs);
  if (overLimit) {
    logger.warn('Cash-out refused by a limit', { cashOutId, limit: overLimit.limit, currency: overLimit.currency, left: overLimit.left });
    return reject(limitAnswer(item, overLimit), { reason: 'limit_exceeded', limitRefusal: overLimit, accountId });
  }
  const budget = { clock, deadlineAt: stripeDeadlineAt, attemptTimeoutMs: deps.stripeAttemptTimeoutMs, reserveMs: 2 * deps.minAttemptMs };
  const problem = await accountProblem(stripe, accountId, deps.mode, budget);
  if (problem) {
    logger.warn('Cash-out to an account that cannot be paid', { cashOutId, accountId, reason: problem.reason });
    return reject(refusal(problem.statusCode, problem.reason, problem.message, cashOutId), { reason: problem.reason, accountId });
  }
  const marked = await deps.ledger.recordStripeRequest(cashOutId, attemptId, accountId, new Date(clock.now()), {
    timeoutMs: stripeDeadlineAt - deps.minAttemptMs - clock.now(),
  });
  if (!marked) {
    const message = 'This cash-out was taken over by another request; nothing was paid by this one.';
    return { answer: refusal(409, 'cash_out_in_flight', message, cashOutId) };
  }
  return { accountId };
}

/** Records what Stripe said (or did not say) and answers: 200 only for a movement Stripe accepted. */
async function recordOutcome(
  deps: CashOutDeps,
  item: LedgerItem,
  attemptId: string,
  outcome: MoveOutcome,
  timing: CashOutTiming,
): Promise<CashOutAnswer> {
  const cashOutId = item.cashOutId;
  const stripeError =
    'failure' in outcome && outcome.failure
      ? { failureCode: outcome.failure.code ?? outcome.failure.type, failureMessage: outcome.failure.message }
      : {};
  const end = (status: LedgerStatus, error: string, message: string, reason = error) =>
    finish(deps, item, attemptId, status, refusal(500, error, message, cashOutId), { reason, ...stripeError }, timing);
  switch (outcome.kind) {
    case 'created': {
      const { object } = outcome;
      const status = (['pending', 'in_transit', 'paid'].includes(object.status) ? object.status : 'pending') as LedgerStatus;
      const body = { cashOutId, status, amount: item.amount, currency: item.currency, stripe: { object: object.object, id: object.id } };
      const fields = { stripeObjectId: object.id, stripeObjectType: object.object, lastEventCreated: object.created };
      return finishPaid(deps, item, attemptId, status, answer(200, body), fields, timing);
    }
    case 'refused':
      deps.logger.error('Stripe refused the cash-out', { cashOutId, stripeError: outcome.failure.type, code: outcome.failure.code });
      return end('failed', 'stripe_refused', `Stripe refused the ${item.mode}: ${outcome.failure.message} Nothing was paid.`);
    case 'not_sent':
      return end('rejected', 'deadline_exceeded', `Stripe could not be reached before Village's deadline; nothing was paid.`);
    case 'unknown':
      deps.logger.error('Payout outcome unknown; left for reconciliation', { cashOutId, attempts: outcome.attempts });
      return end(
        'unknown',
        'payout_outcome_unknown',
        'Stripe did not answer in time; the payout outcome will be reconciled.',
        'stripe_timeout',
      );
  }
}

interface AccountProblem {
  statusCode: number;
  reason: string;
  message: string;
}

const UNKNOWN_ACCOUNT: AccountProblem = {
  statusCode: 400,
  reason: 'unknown_account',
  message: "The recipient's Stripe account does not exist or is not connected to this platform; nothing was paid.",
};

const unavailable = (failure: StripeFailure | undefined): AccountProblem => ({
  statusCode: 500,
  reason: 'stripe_unavailable',
  message: `Stripe could not be asked about the recipient's account (${failure?.type ?? 'no time left'}); nothing was paid.`,
});

/**
 * Whether the account can be paid. A read, so transient failures (timeouts, resets, 5xx,
 * 429) are tried again at once (retryWithin) while time remains, keeping back what the payout
 * call itself needs: a try starts only with more than half the reserve to spare beyond it.
 */
async function accountProblem(
  stripe: StripeClient,
  accountId: string,
  mode: MoveKind,
  budget: { clock: Clock; deadlineAt: number; attemptTimeoutMs: number; reserveMs: number },
): Promise<AccountProblem | undefined> {
  let failure: StripeFailure | undefined;
  const checked = await retryWithin(
    budget.deadlineAt - budget.reserveMs - budget.reserveMs / 2,
    async (toSpare) => {
      const timeout = Math.min(budget.attemptTimeoutMs, Math.floor((toSpare + budget.reserveMs / 2) / 2));
      try {
        const account = await boundedStripeCall(timeout, 'Reading the account', () => stripe.accounts.retrieve(accountId, {}, { timeout }));
        return { problem: payable(account, mode) };
      } catch (error) {
        failure = describeStripeError(error);
        if (!failure) throw error;
        if (failure.statusCode === 404 || failure.code === 'resource_missing' || failure.statusCode === 403)
          return { problem: UNKNOWN_ACCOUNT };
        if (!isRetryable(failure)) return { problem: unavailable(failure) };
        throw error;
      }
    },
    { clock: budget.clock, attempts: 3, retryable: (error) => describeStripeError(error) !== undefined, waitMs: () => 0 },
  );
  return checked ? checked.problem : unavailable(failure);
}

/** What keeps a connected account from receiving this cash-out's money, if anything. */
function payable(account: { payouts_enabled?: boolean | null; capabilities?: { transfers?: string } | null }, mode: MoveKind) {
  if (!account.payouts_enabled) {
    return {
      statusCode: 400,
      reason: 'payouts_not_enabled',
      message: "The recipient's Stripe account cannot receive payouts yet; nothing was paid.",
    };
  }
  if (mode === 'transfer' && account.capabilities?.transfers !== 'active') {
    return {
      statusCode: 400,
      reason: 'transfers_not_enabled',
      message: "The recipient's Stripe account cannot receive transfers; nothing was paid.",
    };
  }
  return undefined;
}

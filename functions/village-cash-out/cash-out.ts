import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { LedgerItem, LedgerStatus, LedgerStore, StoredAnswer } from '../shared/ledger.js';
import type { MoveKind } from '../shared/money.js';
import type { Recipient, RecipientStore } from '../shared/recipients.js';
import { maskEmail } from '../shared/redact.js';
import { describeStripeError, isRetryable, type StripeClient, type StripeFailure } from '../shared/stripe.js';
import type { Logger } from '../shared/telemetry.js';
import type { CashOutRequest } from './payload.js';
import { moveMoney, type MoveOutcome } from './move-money.js';

export interface CashOutDeps {
  ledger: LedgerStore;
  recipients: RecipientStore;
  /** The Stripe client; a function because the key is a secret fetched on first use. */
  stripe: () => Promise<StripeClient>;
  mode: MoveKind;
  clock: Clock;
  logger: Logger;
  /** Stripe keeps idempotency keys at least 24 h: a stale claim older than this is not retried. */
  idempotencyWindowMs: number;
  stripeAttemptTimeoutMs: number;
  minAttemptMs: number;
  /** Called with each outcome, for metrics. */
  onOutcome?: (outcome: string) => void;
}

export interface CashOutTiming {
  /** Epoch ms by which the answer must be ready (Village's deadline less a margin). */
  deadlineAt: number;
  /** Epoch ms after which this invocation surely no longer runs (its claim may be taken over). */
  leaseExpiresAt: number;
}

export type CashOutAnswer = StoredAnswer & { replayed?: boolean };

const answer = (statusCode: number, body: Record<string, unknown>): StoredAnswer => ({ statusCode, body });
const refusal = (statusCode: number, reason: string, message: string, cashOutId: string) => answer(statusCode, { error: reason, message, cashOutId });

/**
 * A Village cash-out, exactly once: claim the cash-out id, find the recipient, check their
 * account, move the money with an idempotency key derived from the cash-out id, record the
 * outcome and the answer, answer. Answers 200 only when Stripe has accepted the movement;
 * any other answer means no money moved, or (`unknown`) reconciliation will find out.
 */
export async function processCashOut(request: CashOutRequest, deps: CashOutDeps, timing: CashOutTiming): Promise<CashOutAnswer> {
  const { ledger, clock, logger } = deps;
  const attemptId = randomUUID();
  const now = new Date(clock.now());
  // Read beside the claim (one round trip fewer); it is only a read, used once the claim is ours.
  const recipientLookup = deps.recipients.get(request.destinationEmail);
  recipientLookup.catch(() => undefined);
  const claim = await ledger.claim({
    cashOutId: request.cashOutId,
    mode: deps.mode,
    destinationEmail: request.destinationEmail,
    amount: request.amount,
    currency: request.currency,
    amountMinor: request.amountMinor,
    fingerprint: request.fingerprint,
    stripeIdempotencyKey: `village-cash-out:${request.cashOutId}`,
    attemptId,
    leaseExpiresAt: timing.leaseExpiresAt,
    createdAt: now.toISOString(),
    payload: request.payload,
  });

  let item: LedgerItem;
  if (claim.claimed) {
    item = claim.item;
  } else {
    const existing = claim.existing;
    if (existing.fingerprint !== request.fingerprint) {
      deps.onOutcome?.('id_reused');
      return refusal(409, 'cash_out_id_reused', 'This cash-out id was already used for a different recipient, amount or currency; nothing was paid for this request.', request.cashOutId);
    }
    if (existing.answer) {
      deps.onOutcome?.('duplicate');
      logger.info('Duplicate cash-out answered from the ledger', { cashOutId: request.cashOutId, status: existing.status });
      return { ...existing.answer, replayed: true };
    }
    if (existing.leaseExpiresAt > clock.now()) {
      deps.onOutcome?.('in_flight');
      return refusal(409, 'cash_out_in_flight', 'This cash-out is being processed by another request; ask again shortly.', request.cashOutId);
    }
    const sentAt = existing.stripeRequestSentAt ? Date.parse(existing.stripeRequestSentAt) : undefined;
    if (sentAt !== undefined && clock.now() - sentAt > deps.idempotencyWindowMs) {
      // Stripe may have forgotten the idempotency key: a new attempt could pay twice.
      const takenOver = await ledger.takeOver(existing, attemptId, timing.leaseExpiresAt, now);
      if (!takenOver) return refusal(409, 'cash_out_in_flight', 'This cash-out is being processed by another request.', request.cashOutId);
      return finish(deps, takenOver, attemptId, 'unknown', refusal(500, 'needs_reconciliation', 'An earlier attempt at this cash-out may have paid; it is left to reconciliation. Nothing was paid by this request.', request.cashOutId), { reason: 'stale_claim_outside_idempotency_window' });
    }
    const takenOver = await ledger.takeOver(existing, attemptId, timing.leaseExpiresAt, now);
    if (!takenOver) {
      deps.onOutcome?.('in_flight');
      return refusal(409, 'cash_out_in_flight', 'This cash-out is being processed by another request; ask again shortly.', request.cashOutId);
    }
    logger.warn('Took over a cash-out whose earlier attempt did not finish', { cashOutId: request.cashOutId, attempts: takenOver.attempts, stripeRequestSent: sentAt !== undefined });
    item = takenOver;
  }

  const progress = { mayHaveSent: item.stripeRequestSentAt !== undefined };
  try {
    return await payClaimed(deps, item, attemptId, timing, progress, recipientLookup);
  } catch (error) {
    // Unexpected: leave a true record. If a Stripe request may have gone, reconciliation decides.
    logger.error('Cash-out failed unexpectedly', { cashOutId: item.cashOutId, error: error as Error });
    const mayHavePaid = progress.mayHaveSent;
    return finish(
      deps,
      item,
      attemptId,
      mayHavePaid ? 'unknown' : 'rejected',
      refusal(500, mayHavePaid ? 'payout_outcome_unknown' : 'internal_error', mayHavePaid ? 'The payout outcome is not known yet; it will be reconciled.' : 'An unexpected error occurred; nothing was paid.', item.cashOutId),
      { reason: 'unexpected_error' },
    );
  }
}

async function payClaimed(
  deps: CashOutDeps,
  item: LedgerItem,
  attemptId: string,
  timing: CashOutTiming,
  progress: { mayHaveSent: boolean },
  recipientLookup: Promise<Recipient | undefined>,
): Promise<CashOutAnswer> {
  const { clock, logger } = deps;
  const cashOutId = item.cashOutId;
  const alreadySent = item.stripeRequestSentAt !== undefined;
  let accountId = item.accountId;

  if (!alreadySent) {
    // Before any money may move: who is paid, and can they be?
    const recipient = await recipientLookup;
    if (!recipient) {
      logger.warn('Cash-out for an unknown recipient', { cashOutId, recipient: maskEmail(item.destinationEmail) });
      return finish(deps, item, attemptId, 'rejected', refusal(400, 'unknown_recipient', 'No Stripe connected account is registered for destination_email; nothing was paid.', cashOutId), { reason: 'unknown_recipient' });
    }
    accountId = recipient.accountId;
    const stripe = await deps.stripe();
    const remaining = timing.deadlineAt - clock.now();
    if (remaining < 2 * deps.minAttemptMs) {
      return finish(deps, item, attemptId, 'rejected', refusal(500, 'deadline_exceeded', "Not enough time left before Village's deadline; nothing was paid.", cashOutId), { reason: 'deadline_exceeded', accountId });
    }
    const problem = await accountProblem(stripe, accountId, deps.mode, { clock, deadlineAt: timing.deadlineAt, attemptTimeoutMs: deps.stripeAttemptTimeoutMs, reserveMs: 2 * deps.minAttemptMs });
    if (problem) {
      logger.warn('Cash-out to an account that cannot be paid', { cashOutId, accountId, reason: problem.reason });
      return finish(deps, item, attemptId, 'rejected', refusal(problem.statusCode, problem.reason, problem.message, cashOutId), { reason: problem.reason, accountId });
    }
    // From this write on, money may move: a crash after it leaves a claim whose retry reuses the key.
    const marked = await deps.ledger.update(cashOutId, attemptId, { accountId, stripeRequestSentAt: new Date(clock.now()).toISOString() }, new Date(clock.now()));
    if (!marked) return refusal(409, 'cash_out_in_flight', 'This cash-out was taken over by another request; nothing was paid by this one.', cashOutId);
  }

  const stripe = await deps.stripe();
  progress.mayHaveSent = true;
  const outcome = await moveMoney(
    stripe,
    { mode: item.mode, cashOutId, accountId: accountId!, amountMinor: item.amountMinor, currency: item.currency.toLowerCase(), idempotencyKey: item.stripeIdempotencyKey },
    { clock, deadlineAt: timing.deadlineAt, attemptTimeoutMs: deps.stripeAttemptTimeoutMs, minAttemptMs: deps.minAttemptMs },
  );
  // A claim taken over after its Stripe call was marked may already have paid: running out
  // of time now proves nothing, so the outcome is unknown rather than "nothing sent".
  return recordOutcome(deps, item, attemptId, alreadySent && outcome.kind === 'not_sent' ? { ...outcome, kind: 'unknown' } : outcome);
}

async function recordOutcome(deps: CashOutDeps, item: LedgerItem, attemptId: string, outcome: MoveOutcome): Promise<CashOutAnswer> {
  const cashOutId = item.cashOutId;
  const stripeError = 'failure' in outcome && outcome.failure ? { failureCode: outcome.failure.code ?? outcome.failure.type, failureMessage: outcome.failure.message } : {};
  switch (outcome.kind) {
    case 'created': {
      const { object } = outcome;
      const status = (['pending', 'in_transit', 'paid'].includes(object.status) ? object.status : 'pending') as LedgerStatus;
      const body = { cashOutId, status, amount: item.amount, currency: item.currency, stripe: { object: object.object, id: object.id } };
      // The money has gone: the answer is 200 even if the ledger write fails (reconciliation
      // finds the payout by its cash-out id); a non-200 now would pay twice.
      return finish(deps, item, attemptId, status, answer(200, body), { stripeObjectId: object.id, stripeObjectType: object.object, lastEventCreated: object.created });
    }
    case 'refused':
      deps.logger.error('Stripe refused the cash-out', { cashOutId, stripeError: outcome.failure.type, code: outcome.failure.code });
      return finish(deps, item, attemptId, 'failed', refusal(500, 'stripe_refused', `Stripe refused the ${item.mode}: ${outcome.failure.message} Nothing was paid.`, cashOutId), { reason: 'stripe_refused', ...stripeError });
    case 'not_sent':
      return finish(deps, item, attemptId, 'rejected', refusal(500, 'deadline_exceeded', `Stripe could not be reached before Village's deadline; nothing was paid.`, cashOutId), { reason: 'deadline_exceeded', ...stripeError });
    case 'unknown':
      deps.logger.error('Payout outcome unknown; left for reconciliation', { cashOutId, attempts: outcome.attempts });
      return finish(deps, item, attemptId, 'unknown', refusal(500, 'payout_outcome_unknown', 'Stripe did not answer in time; the payout outcome will be reconciled.', cashOutId), { reason: 'stripe_timeout', ...stripeError });
  }
}

interface AccountProblem {
  statusCode: number;
  reason: string;
  message: string;
}

/**
 * Whether the account can be paid. A read, so transient failures (timeouts, resets, 5xx,
 * 429) are retried while time remains, keeping back what the payout call itself needs.
 */
async function accountProblem(
  stripe: StripeClient,
  accountId: string,
  mode: MoveKind,
  budget: { clock: Clock; deadlineAt: number; attemptTimeoutMs: number; reserveMs: number },
): Promise<AccountProblem | undefined> {
  let failure: StripeFailure | undefined;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const available = budget.deadlineAt - budget.clock.now() - budget.reserveMs;
    if (available < budget.reserveMs / 2) break;
    try {
      const account = await stripe.accounts.retrieve(accountId, {}, { timeout: Math.min(budget.attemptTimeoutMs, Math.floor(available / 2)) });
      if (!account.payouts_enabled) {
        return { statusCode: 400, reason: 'payouts_not_enabled', message: "The recipient's Stripe account cannot receive payouts yet; nothing was paid." };
      }
      if (mode === 'transfer' && account.capabilities?.transfers !== 'active') {
        return { statusCode: 400, reason: 'transfers_not_enabled', message: "The recipient's Stripe account cannot receive transfers; nothing was paid." };
      }
      return undefined;
    } catch (error) {
      failure = describeStripeError(error);
      if (!failure) throw error;
      if (failure.statusCode === 404 || failure.code === 'resource_missing' || failure.statusCode === 403) {
        return { statusCode: 400, reason: 'unknown_account', message: "The recipient's Stripe account does not exist or is not connected to this platform; nothing was paid." };
      }
      if (!isRetryable(failure)) break;
    }
  }
  return { statusCode: 500, reason: 'stripe_unavailable', message: `Stripe could not be asked about the recipient's account (${failure?.type ?? 'no time left'}); nothing was paid.` };
}

/** Records the final state and the answer, then answers; a failed write never changes the answer. */
async function finish(deps: CashOutDeps, item: LedgerItem, attemptId: string, status: LedgerStatus, result: StoredAnswer, fields: Partial<LedgerItem>): Promise<CashOutAnswer> {
  deps.onOutcome?.(status);
  const now = new Date(deps.clock.now());
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      const written = await deps.ledger.update(item.cashOutId, attemptId, { ...fields, status, answer: result, answeredAt: now.toISOString() }, now);
      if (!written) deps.logger.warn('Ledger item was taken over before this attempt finished', { cashOutId: item.cashOutId, status });
      return result;
    } catch (error) {
      if (attempt === 3) {
        deps.logger.error('Could not record the cash-out outcome; reconciliation will', { cashOutId: item.cashOutId, status, error: error as Error });
        deps.onOutcome?.('ledger_write_failed');
      }
    }
  }
  return result;
}

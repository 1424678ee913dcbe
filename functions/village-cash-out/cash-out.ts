import { randomUUID } from 'node:crypto';
import { sleep, type Clock } from '../shared/clock.js';
import type { LedgerItem, LedgerStatus, LedgerStore, StoredAnswer } from '../shared/ledger.js';
import type { MoveKind } from '../shared/money.js';
import type { Recipient, RecipientStore } from '../shared/recipients.js';
import { maskEmail } from '../shared/redact.js';
import { boundedStripeCall, describeStripeError, isRetryable, type StripeClient, type StripeFailure } from '../shared/stripe.js';
import type { Logger } from '../shared/telemetry.js';
import type { CashOutRequest } from './payload.js';
import { limitAnswer, reserveLimits, type CashOutLimits } from './limits.js';
import { moveMoney, type MoveOutcome } from './move-money.js';

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

/** The attemptId of a 200 a duplicate delivery has adopted (see replay): its first delivery can no longer withdraw it. */
const ADOPTED = 'adopted:';

/** How often a delivery waiting on another one in flight reads the ledger again. */
const IN_FLIGHT_POLL_MS = 100;

export type CashOutAnswer = StoredAnswer & { replayed?: boolean };

const answer = (statusCode: number, body: Record<string, unknown>): StoredAnswer => ({ statusCode, body });
const refusal = (statusCode: number, reason: string, message: string, cashOutId: string) =>
  answer(statusCode, { error: reason, message, cashOutId });

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
  const claim = await ledger.claim(
    {
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
      answerBy: timing.deadlineAt,
      createdAt: now.toISOString(),
      payload: request.payload,
    },
    { timeoutMs: timing.deadlineAt - clock.now() },
  );

  let item: LedgerItem;
  if (claim.claimed) {
    item = claim.item;
  } else {
    const existing = claim.existing;
    if (existing.fingerprint !== request.fingerprint) {
      deps.onOutcome?.('id_reused');
      return refusal(
        409,
        'cash_out_id_reused',
        'This cash-out id was already used for a different recipient, amount or currency; nothing was paid for this request.',
        request.cashOutId,
      );
    }
    if (existing.answer) return replay(deps, existing, attemptId, timing);
    if (existing.leaseExpiresAt > clock.now()) {
      // Village treats a 409 as failed and returns the balance, while the delivery in flight
      // may still pay: wait for its answer (it is due before ours) and give the same one.
      const settled = await waitForAnswer(deps, request.cashOutId, timing);
      if (settled?.answer) return replay(deps, settled, attemptId, timing);
      return refuseDuplicate(deps, request.cashOutId, timing);
    }
    const sentAt = existing.stripeRequestSentAt ? Date.parse(existing.stripeRequestSentAt) : undefined;
    if (sentAt !== undefined && clock.now() - sentAt > deps.idempotencyWindowMs) {
      // Stripe may have forgotten the idempotency key: a new attempt could pay twice.
      const takenOver = await ledger.takeOver(existing, attemptId, timing.leaseExpiresAt, now);
      if (!takenOver) return refusal(409, 'cash_out_in_flight', 'This cash-out is being processed by another request.', request.cashOutId);
      return finish(
        deps,
        takenOver,
        attemptId,
        'unknown',
        refusal(
          500,
          'needs_reconciliation',
          'An earlier attempt at this cash-out may have paid; it is left to reconciliation. Nothing was paid by this request.',
          request.cashOutId,
        ),
        { reason: 'stale_claim_outside_idempotency_window' },
        timing,
      );
    }
    const takenOver = await ledger.takeOver(existing, attemptId, timing.leaseExpiresAt, now);
    if (!takenOver) {
      deps.onOutcome?.('in_flight');
      return refusal(
        409,
        'cash_out_in_flight',
        'This cash-out is being processed by another request; ask again shortly.',
        request.cashOutId,
      );
    }
    logger.warn('Took over a cash-out whose earlier attempt did not finish', {
      cashOutId: request.cashOutId,
      attempts: takenOver.attempts,
      stripeRequestSent: sentAt !== undefined,
    });
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
  // Stripe must have answered with time left to record the answer before Village's deadline.
  const stripeDeadlineAt = timing.deadlineAt - deps.ledgerWriteReserveMs;

  if (!alreadySent) {
    // Before any money may move: who is paid, and can they be?
    const recipient = await recipientLookup;
    if (!recipient) {
      logger.warn('Cash-out for an unknown recipient', { cashOutId, recipient: maskEmail(item.destinationEmail) });
      return finish(
        deps,
        item,
        attemptId,
        'rejected',
        refusal(400, 'unknown_recipient', 'No Stripe connected account is registered for destination_email; nothing was paid.', cashOutId),
        { reason: 'unknown_recipient' },
        timing,
      );
    }
    accountId = recipient.accountId;
    const stripe = await deps.stripe();
    const remaining = stripeDeadlineAt - clock.now();
    if (remaining < 2 * deps.minAttemptMs) {
      return finish(
        deps,
        item,
        attemptId,
        'rejected',
        refusal(500, 'deadline_exceeded', "Not enough time left before Village's deadline; nothing was paid.", cashOutId),
        { reason: 'deadline_exceeded', accountId },
        timing,
      );
    }
    // Taken before the account check, and given back (finish) if nothing is paid after all.
    const overLimit = await reserveLimits(deps.limits, item, accountId, stripeDeadlineAt - 2 * deps.minAttemptMs);
    if (overLimit) {
      logger.warn('Cash-out refused by a limit', { cashOutId, limit: overLimit.limit, currency: overLimit.currency, left: overLimit.left });
      return finish(
        deps,
        item,
        attemptId,
        'rejected',
        limitAnswer(item, overLimit),
        { reason: 'limit_exceeded', limitRefusal: overLimit, accountId },
        timing,
      );
    }
    const problem = await accountProblem(stripe, accountId, deps.mode, {
      clock,
      deadlineAt: stripeDeadlineAt,
      attemptTimeoutMs: deps.stripeAttemptTimeoutMs,
      reserveMs: 2 * deps.minAttemptMs,
    });
    if (problem) {
      logger.warn('Cash-out to an account that cannot be paid', { cashOutId, accountId, reason: problem.reason });
      return finish(
        deps,
        item,
        attemptId,
        'rejected',
        refusal(problem.statusCode, problem.reason, problem.message, cashOutId),
        { reason: problem.reason, accountId },
        timing,
      );
    }
    // From this write on, money may move: a crash after it leaves a claim whose retry reuses the key.
    const marked = await deps.ledger.update(
      cashOutId,
      attemptId,
      { accountId, stripeRequestSentAt: new Date(clock.now()).toISOString() },
      new Date(clock.now()),
      {
        timeoutMs: stripeDeadlineAt - deps.minAttemptMs - clock.now(),
      },
    );
    if (!marked)
      return refusal(
        409,
        'cash_out_in_flight',
        'This cash-out was taken over by another request; nothing was paid by this one.',
        cashOutId,
      );
  }

  const stripe = await deps.stripe();
  progress.mayHaveSent = true;
  const outcome = await moveMoney(
    stripe,
    {
      mode: item.mode,
      cashOutId,
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
  switch (outcome.kind) {
    case 'created': {
      const { object } = outcome;
      const status = (['pending', 'in_transit', 'paid'].includes(object.status) ? object.status : 'pending') as LedgerStatus;
      const body = { cashOutId, status, amount: item.amount, currency: item.currency, stripe: { object: object.object, id: object.id } };
      return finishPaid(
        deps,
        item,
        attemptId,
        status,
        answer(200, body),
        { stripeObjectId: object.id, stripeObjectType: object.object, lastEventCreated: object.created },
        timing,
      );
    }
    case 'refused':
      deps.logger.error('Stripe refused the cash-out', { cashOutId, stripeError: outcome.failure.type, code: outcome.failure.code });
      return finish(
        deps,
        item,
        attemptId,
        'failed',
        refusal(500, 'stripe_refused', `Stripe refused the ${item.mode}: ${outcome.failure.message} Nothing was paid.`, cashOutId),
        { reason: 'stripe_refused', ...stripeError },
        timing,
      );
    case 'not_sent':
      return finish(
        deps,
        item,
        attemptId,
        'rejected',
        refusal(500, 'deadline_exceeded', `Stripe could not be reached before Village's deadline; nothing was paid.`, cashOutId),
        { reason: 'deadline_exceeded', ...stripeError },
        timing,
      );
    case 'unknown':
      deps.logger.error('Payout outcome unknown; left for reconciliation', { cashOutId, attempts: outcome.attempts });
      return finish(
        deps,
        item,
        attemptId,
        'unknown',
        refusal(500, 'payout_outcome_unknown', 'Stripe did not answer in time; the payout outcome will be reconciled.', cashOutId),
        { reason: 'stripe_timeout', ...stripeError },
        timing,
      );
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
      const timeout = Math.min(budget.attemptTimeoutMs, Math.floor(available / 2));
      const account = await boundedStripeCall(timeout, 'Reading the account', () => stripe.accounts.retrieve(accountId, {}, { timeout }));
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
    } catch (error) {
      failure = describeStripeError(error);
      if (!failure) throw error;
      if (failure.statusCode === 404 || failure.code === 'resource_missing' || failure.statusCode === 403) {
        return {
          statusCode: 400,
          reason: 'unknown_account',
          message: "The recipient's Stripe account does not exist or is not connected to this platform; nothing was paid.",
        };
      }
      if (!isRetryable(failure)) break;
    }
  }
  return {
    statusCode: 500,
    reason: 'stripe_unavailable',
    message: `Stripe could not be asked about the recipient's account (${failure?.type ?? 'no time left'}); nothing was paid.`,
  };
}

/**
 * Records a non-200 outcome and its answer, then answers. What was not paid stays not paid
 * whatever the ledger write does, so a failed write never changes the answer.
 */
async function finish(
  deps: CashOutDeps,
  item: LedgerItem,
  attemptId: string,
  status: LedgerStatus,
  result: StoredAnswer,
  fields: Partial<LedgerItem>,
  timing: CashOutTiming,
): Promise<CashOutAnswer> {
  deps.onOutcome?.(status);
  const written = await writeAnswer(deps, item.cashOutId, 'Recording the outcome', timing.hardStopAt, (now, timeoutMs) =>
    deps.ledger.update(item.cashOutId, attemptId, { ...fields, status, answer: result, answeredAt: now.toISOString() }, now, { timeoutMs }),
  );
  if (written === false) deps.logger.warn('Ledger item was taken over before this attempt finished', { cashOutId: item.cashOutId, status });
  // Nothing was paid, and this attempt's answer stands: what it took of the limits goes back.
  if (written === true && (status === 'rejected' || status === 'failed')) await giveBack(deps, item.cashOutId);
  if (written === undefined) {
    deps.logger.error('Could not record the cash-out outcome; reconciliation will', { cashOutId: item.cashOutId, status });
    deps.onOutcome?.('ledger_write_failed');
  }
  return result;
}

/**
 * The money has gone: records the 200 and answers it, if that is done before Village's
 * deadline. A 200 that would leave later is never sent: Village has already failed the
 * cash-out and returned the balance, so the payout is due back. The answer then recorded is
 * that (superseding the 200, should its slow write still land) and reconciliation cancels the
 * payout or reverses the transfer.
 */
async function finishPaid(
  deps: CashOutDeps,
  item: LedgerItem,
  attemptId: string,
  status: LedgerStatus,
  paid: StoredAnswer,
  fields: Partial<LedgerItem>,
  timing: CashOutTiming,
): Promise<CashOutAnswer> {
  const { clock, logger } = deps;
  const cashOutId = item.cashOutId;
  const written = await writeAnswer(deps, cashOutId, 'Recording the 200', timing.deadlineAt, (now, timeoutMs) =>
    deps.ledger.update(cashOutId, attemptId, { ...fields, status, answer: paid, answeredAt: now.toISOString() }, now, { timeoutMs }),
  );
  const inTime = clock.now() <= timing.deadlineAt;
  if (written === true && inTime) {
    deps.onOutcome?.(status);
    return paid;
  }
  if (written === undefined && inTime) {
    // The answer is still 200 (the money went, and Village hears it in time); the item stays
    // `processing` with its Stripe call marked, and reconciliation raises it to an operator.
    deps.onOutcome?.(status);
    logger.error('Could not record the cash-out outcome; reconciliation will', { cashOutId, status });
    deps.onOutcome?.('ledger_write_failed');
    return paid;
  }
  if (written === false) {
    // Another delivery was answered first, and not with this 200 (a duplicate refused while
    // this one paid): that answer stands, so the money is due back. Keep the payout's facts.
    const taken = refusal(
      500,
      'answered_to_another_delivery',
      `Another delivery of this cash-out was answered first, not with 200: Village treats the cash-out as failed, so the ${item.mode} is taken back.`,
      cashOutId,
    );
    deps.onOutcome?.('answered_to_another_delivery');
    logger.error('Paid, but another delivery of the cash-out was refused first; the payout is due back', {
      cashOutId,
      stripeObjectId: fields.stripeObjectId,
    });
    await writeAnswer(deps, cashOutId, 'Recording the payout', timing.hardStopAt, (now, timeoutMs) =>
      deps.ledger.recordOutcomeFields(cashOutId, attemptId, { ...fields, status }, now, { timeoutMs }),
    );
    return taken;
  }

  // Too late for Village to see a 200: it is never sent.
  deps.onOutcome?.('answered_after_deadline');
  const late = refusal(
    500,
    'answered_after_deadline',
    `Stripe accepted the ${item.mode}, but too late to answer before Village's deadline: Village treats the cash-out as failed, so reconciliation takes the money back.`,
    cashOutId,
  );
  logger.error("Paid too late for Village's deadline; the payout is due back", {
    cashOutId,
    stripeObjectId: fields.stripeObjectId,
    ledgerWritten: written,
  });
  const superseded = await writeAnswer(
    deps,
    cashOutId,
    'Recording the late answer',
    timing.hardStopAt,
    (now, timeoutMs) => deps.ledger.supersede(cashOutId, attemptId, `${attemptId}:late`, late, { ...fields, status }, now, { timeoutMs }),
    LATE_WRITE_ATTEMPTS,
  );
  if (superseded === false) {
    // A duplicate adopted the 200 (and answered it, in its own time) or was refused: either
    // way the ledger holds the answer Village acts on.
    logger.warn('A duplicate delivery settled the answer first; its answer stands', { cashOutId });
  }
  if (superseded === undefined) {
    logger.error('OPERATOR: paid after the deadline and could not record it: cancel the payout (Village treats the cash-out as failed)', {
      cashOutId,
      stripeObjectId: fields.stripeObjectId,
    });
    deps.onOutcome?.('ledger_write_failed');
  }
  return late;
}

/** Gives back what a cash-out took of the limits; a failure is logged (the amount then counts until it leaves the 24-hour window). */
async function giveBack(deps: CashOutDeps, cashOutId: string): Promise<void> {
  try {
    await deps.limits.usage.release(cashOutId);
  } catch (error) {
    deps.logger.error('Could not give back what a cash-out took of the limits', { cashOutId, error: error as Error });
  }
}

/** How often the write that withdraws a late 200 is tried (until the function's own time runs out). */
const LATE_WRITE_ATTEMPTS = 6;

/**
 * One logical write, retried while time remains before `until`. Its timestamp is chosen once,
 * so a retry recognises the same write landed by an earlier try. True: written; false: fenced
 * out (the condition failed); undefined: not known to be written.
 */
async function writeAnswer(
  deps: CashOutDeps,
  cashOutId: string,
  what: string,
  until: number,
  write: (now: Date, timeoutMs: number) => Promise<boolean>,
  attempts = 3,
): Promise<boolean | undefined> {
  const now = new Date(deps.clock.now());
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const timeoutMs = until - deps.clock.now();
    if (timeoutMs <= 0) return undefined;
    try {
      return await write(now, timeoutMs);
    } catch (error) {
      deps.logger.warn(`${what} failed`, { cashOutId, attempt, error: (error as Error).name });
      await sleep(Math.min(50 * 2 ** (attempt - 1), 800, Math.max(0, until - deps.clock.now())));
    }
  }
  return undefined;
}

/**
 * A duplicate of an answered cash-out gets the stored answer. A 200 recorded by a delivery that
 * may still be running could yet be withdrawn by it (answered too late): it is adopted first,
 * which fences that delivery out, so the 200 repeated here stands. Where that cannot be made
 * sure in time, the duplicate is refused, and the refusal recorded.
 */
async function replay(deps: CashOutDeps, existing: LedgerItem, attemptId: string, timing: CashOutTiming): Promise<CashOutAnswer> {
  const { clock, ledger } = deps;
  const settled = (item: LedgerItem) =>
    item.answer !== undefined &&
    (item.answer.statusCode !== 200 || item.leaseExpiresAt <= clock.now() || item.attemptId.startsWith(ADOPTED));
  let answered: LedgerItem | undefined = existing;
  if (!settled(existing)) {
    const mine = `${ADOPTED}${attemptId}`;
    const adopted = await writeAnswer(deps, existing.cashOutId, 'Adopting the 200', timing.deadlineAt, (now, timeoutMs) =>
      ledger.adoptAnswer(existing.cashOutId, existing.attemptId, mine, now, { timeoutMs }),
    );
    if (adopted !== true) {
      answered =
        timing.deadlineAt > clock.now()
          ? await ledger.get(existing.cashOutId, { timeoutMs: timing.deadlineAt - clock.now() }).catch(() => undefined)
          : undefined;
      const sure =
        answered?.answer !== undefined && (answered.answer.statusCode !== 200 || answered.attemptId === mine || settled(answered));
      if (!sure) return refuseDuplicate(deps, existing.cashOutId, timing);
    }
  }
  // Never a 200 after the deadline, whatever the ledger says.
  if (answered!.answer!.statusCode === 200 && clock.now() > timing.deadlineAt) return refuseDuplicate(deps, existing.cashOutId, timing);
  deps.onOutcome?.('duplicate');
  deps.logger.info('Duplicate cash-out answered from the ledger', { cashOutId: answered!.cashOutId, status: answered!.status });
  return { ...answered!.answer!, replayed: true };
}

/**
 * Refuses a duplicate whose first delivery's answer could not be had in time. Village returns
 * the balance on this refusal, so it is recorded as the cash-out's answer, with the money due
 * back: the first delivery can then no longer record a 200, and reconciliation takes back any
 * payout it made.
 */
async function refuseDuplicate(deps: CashOutDeps, cashOutId: string, timing: CashOutTiming): Promise<CashOutAnswer> {
  const refused = refusal(
    409,
    'cash_out_in_flight',
    'This cash-out is being processed by another request and could not be confirmed in time; Village should treat it as failed. Any money it moved is taken back.',
    cashOutId,
  );
  deps.onOutcome?.('in_flight');
  const recorded = await writeAnswer(
    deps,
    cashOutId,
    'Recording the refusal',
    timing.hardStopAt,
    (now, timeoutMs) => deps.ledger.refuseDuplicate(cashOutId, refused, now, { timeoutMs }),
    LATE_WRITE_ATTEMPTS,
  );
  if (!recorded) {
    deps.logger.error(
      'OPERATOR: a duplicate was refused and the refusal could not be recorded: if the cash-out was paid, cancel the payout',
      { cashOutId },
    );
    deps.onOutcome?.('ledger_write_failed');
  }
  return refused;
}

/** Reads the ledger until the delivery holding the cash-out has recorded its answer, or this one's deadline comes. */
async function waitForAnswer(deps: CashOutDeps, cashOutId: string, timing: CashOutTiming): Promise<LedgerItem | undefined> {
  const { clock } = deps;
  while (timing.deadlineAt - clock.now() > IN_FLIGHT_POLL_MS) {
    await sleep(IN_FLIGHT_POLL_MS);
    const item = await deps.ledger.get(cashOutId, { timeoutMs: timing.deadlineAt - clock.now() }).catch(() => undefined);
    if (item?.answer) return item;
    if (item && item.leaseExpiresAt <= clock.now()) return undefined; // its holder died: the next delivery takes it over
  }
  return undefined;
}

import { retryWithin, TimeBoundExceeded, type RetryOptions } from '../shared/deadline.js';
import type { Clock } from '../shared/clock.js';
import type { LedgerItem, LedgerStatus, LedgerStore, StoredAnswer } from '../shared/ledger.js';
import type { MoveKind } from '../shared/money.js';
import type { RecipientStore } from '../shared/recipients.js';
import type { StripeClient } from '../shared/stripe.js';
import type { Logger } from '../shared/telemetry.js';
import type { CashOutLimits } from './limits.js';

/**
 * How a cash-out ends: its answer recorded in the ledger, then given (or withdrawn when late).
 * Every step (claim.ts, pay.ts) ends here, so what each step is given, the dependencies and
 * the timing, is declared here too.
 */

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

/** How often the write that withdraws a late 200 is tried (until the function's own time runs out). */
export const LATE_WRITE_ATTEMPTS = 6;

export const answer = (statusCode: number, body: Record<string, unknown>): StoredAnswer => ({ statusCode, body });
export const refusal = (statusCode: number, reason: string, message: string, cashOutId: string) =>
  answer(statusCode, { error: reason, message, cashOutId });

/**
 * Records a non-200 outcome and its answer, then answers. What was not paid stays not paid
 * whatever the ledger write does, so a failed write never changes the answer.
 */
export async function finish(
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
    deps.ledger.answer(item.cashOutId, attemptId, result, { ...fields, status }, now, { timeoutMs }),
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
export async function finishPaid(
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
  const written = await writeBeforeDeadline(deps, cashOutId, 'Recording the 200', timing.deadlineAt, (now, timeoutMs) =>
    deps.ledger.answer(cashOutId, attemptId, paid, { ...fields, status }, now, { timeoutMs }),
  );
  const inTime = written !== 'late' && clock.now() <= timing.deadlineAt;
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
  if (written === false) return answeredElsewhere(deps, item, attemptId, { ...fields, status }, timing);
  return withdrawLate(deps, item, attemptId, { ...fields, status }, written === 'late' ? undefined : written, timing);
}

/**
 * Another delivery was answered first, and not with this 200 (a duplicate refused while this
 * one paid): that answer stands, so the money is due back. Keeps the payout's facts.
 */
async function answeredElsewhere(
  deps: CashOutDeps,
  item: LedgerItem,
  attemptId: string,
  outcome: Partial<LedgerItem>,
  timing: CashOutTiming,
): Promise<CashOutAnswer> {
  const cashOutId = item.cashOutId;
  const taken = refusal(
    500,
    'answered_to_another_delivery',
    `Another delivery of this cash-out was answered first, not with 200: Village treats the cash-out as failed, so the ${item.mode} is taken back.`,
    cashOutId,
  );
  deps.onOutcome?.('answered_to_another_delivery');
  deps.logger.error('Paid, but another delivery of the cash-out was refused first; the payout is due back', {
    cashOutId,
    stripeObjectId: outcome.stripeObjectId,
  });
  await writeAnswer(deps, cashOutId, 'Recording the payout', timing.hardStopAt, (now, timeoutMs) =>
    deps.ledger.recordOutcomeFields(cashOutId, attemptId, outcome, now, { timeoutMs }),
  );
  return taken;
}

/** Too late for Village to see a 200: it is never sent, and the answer recorded says the money is due back. */
async function withdrawLate(
  deps: CashOutDeps,
  item: LedgerItem,
  attemptId: string,
  outcome: Partial<LedgerItem>,
  written: boolean | undefined,
  timing: CashOutTiming,
): Promise<CashOutAnswer> {
  const { logger } = deps;
  const cashOutId = item.cashOutId;
  deps.onOutcome?.('answered_after_deadline');
  const late = refusal(
    500,
    'answered_after_deadline',
    `Stripe accepted the ${item.mode}, but too late to answer before Village's deadline: Village treats the cash-out as failed, so reconciliation takes the money back.`,
    cashOutId,
  );
  logger.error("Paid too late for Village's deadline; the payout is due back", {
    cashOutId,
    stripeObjectId: outcome.stripeObjectId,
    ledgerWritten: written,
  });
  const withdrawn = await writeAnswer(
    deps,
    cashOutId,
    'Recording the late answer',
    timing.hardStopAt,
    (now, timeoutMs) => deps.ledger.withdrawLate(cashOutId, attemptId, late, outcome, now, { timeoutMs }),
    { attempts: LATE_WRITE_ATTEMPTS },
  );
  if (withdrawn === false) {
    // A duplicate adopted the 200 (and answered it, in its own time) or was refused: either
    // way the ledger holds the answer Village acts on.
    logger.warn('A duplicate delivery settled the answer first; its answer stands', { cashOutId });
  }
  if (withdrawn === undefined) {
    logger.error('OPERATOR: paid after the deadline and could not record it: cancel the payout (Village treats the cash-out as failed)', {
      cashOutId,
      stripeObjectId: outcome.stripeObjectId,
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

/**
 * One logical write of the answer, retried while time remains before `until` (retryWithin).
 * Its timestamp is chosen once, so a retry recognises the same write landed by an earlier try.
 * True: written; false: fenced out (the condition failed); undefined: not known to be written.
 */
export function writeAnswer(
  deps: CashOutDeps,
  cashOutId: string,
  what: string,
  until: number,
  write: (now: Date, timeoutMs: number) => Promise<boolean>,
  { attempts = 3, retryable }: { attempts?: number; retryable?: RetryOptions['retryable'] } = {},
): Promise<boolean | undefined> {
  const now = new Date(deps.clock.now());
  return retryWithin(until, (timeoutMs) => write(now, timeoutMs), {
    clock: deps.clock,
    attempts,
    retryable,
    onFailure: (error, attempt) => deps.logger.warn(`${what} failed`, { cashOutId, attempt, error: (error as Error).name }),
  });
}

/**
 * A write whose tries are each bounded by all the time left before `deadlineAt`, for what must
 * be done before Village's deadline (recording or adopting a 200). A try cut off at that bound
 * means the deadline came (`'late'`), whatever the wall clock reads just after (a timer may fire
 * a millisecond early): no sliver of a try follows it.
 */
export function writeBeforeDeadline(
  deps: CashOutDeps,
  cashOutId: string,
  what: string,
  deadlineAt: number,
  write: (now: Date, timeoutMs: number) => Promise<boolean>,
): Promise<boolean | undefined | 'late'> {
  return writeAnswer(deps, cashOutId, what, deadlineAt, write, { retryable: (error) => !(error instanceof TimeBoundExceeded) }).catch(
    (error: unknown) => {
      if (error instanceof TimeBoundExceeded) return 'late' as const;
      throw error;
    },
  );
}

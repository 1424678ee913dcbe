import { retryWithin, TimeBoundExceeded, type RetryOptions } from '../shared/deadline.js';
import type { LedgerItem, LedgerStatus, StoredAnswer } from '../shared/ledger.js';
import type { CashOutAnswer, CashOutDeps, CashOutTiming } from './cash-out.js';

/** How often the write that withdraws a late 200 is tried (until the function's own time runs out). */
const LATE_WRITE_ATTEMPTS = 6;

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
function writeAnswer(
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
function writeBeforeDeadline(
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

/**
 * A duplicate of an answered cash-out gets the stored answer. A 200 recorded by a delivery that
 * may still be running could yet be withdrawn by it (answered too late): it is adopted first,
 * which fences that delivery out, so the 200 repeated here stands. Where that cannot be made
 * sure in time, the duplicate is refused, and the refusal recorded.
 */
export async function replay(deps: CashOutDeps, existing: LedgerItem, attemptId: string, timing: CashOutTiming): Promise<CashOutAnswer> {
  const { clock, ledger } = deps;
  const settled = (item: LedgerItem) =>
    item.answer !== undefined && (item.answer.statusCode !== 200 || item.leaseExpiresAt <= clock.now() || item.answerState === 'adopted');
  let answered: LedgerItem | undefined = existing;
  if (!settled(existing)) {
    const adopted = await writeBeforeDeadline(deps, existing.cashOutId, 'Adopting the 200', timing.deadlineAt, (now, timeoutMs) =>
      ledger.adoptAnswer(existing.cashOutId, existing.attemptId, attemptId, now, { timeoutMs }),
    );
    if (adopted === 'late') return refuseDuplicate(deps, existing.cashOutId, timing);
    if (adopted !== true) {
      answered =
        timing.deadlineAt > clock.now()
          ? await ledger.get(existing.cashOutId, { timeoutMs: timing.deadlineAt - clock.now() }).catch(() => undefined)
          : undefined;
      const sure =
        answered?.answer !== undefined && (answered.answer.statusCode !== 200 || answered.attemptId === attemptId || settled(answered));
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
export async function refuseDuplicate(deps: CashOutDeps, cashOutId: string, timing: CashOutTiming): Promise<CashOutAnswer> {
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
    { attempts: LATE_WRITE_ATTEMPTS },
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

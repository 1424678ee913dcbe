import { sleep } from '../shared/clock.js';
import type { LedgerItem } from '../shared/ledger.js';
import {
  finish,
  LATE_WRITE_ATTEMPTS,
  refusal,
  writeAnswer,
  writeBeforeDeadline,
  type CashOutAnswer,
  type CashOutDeps,
  type CashOutTiming,
} from './answer.js';
import type { CashOutRequest } from './payload.js';

/** How often a delivery waiting on another one in flight reads the ledger again. */
const IN_FLIGHT_POLL_MS = 100;

/** The cash-out is this delivery's to pay (`item`), or it already has its answer (`answer`). */
export type Claimed = { item: LedgerItem; answer?: undefined } | { answer: CashOutAnswer; item?: undefined };

/**
 * Claims the cash-out id for this attempt: a new id is claimed outright; a known one is a
 * duplicate (answered as the first delivery was, or waited for), a reused id (refused), or a
 * claim whose holder died (taken over).
 */
export async function claimCashOut(request: CashOutRequest, deps: CashOutDeps, attemptId: string, timing: CashOutTiming): Promise<Claimed> {
  const { ledger, clock } = deps;
  const now = new Date(clock.now());
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
  if (claim.claimed) return { item: claim.item };
  return claimedBefore(request, claim.existing, { deps, attemptId, timing, now });
}

/** This delivery's attempt: who it is, what it may use, and when its claim was asked. */
interface Attempt {
  deps: CashOutDeps;
  attemptId: string;
  timing: CashOutTiming;
  now: Date;
}

/** Another delivery claimed this cash-out id first. */
async function claimedBefore(request: CashOutRequest, existing: LedgerItem, attempt: Attempt): Promise<Claimed> {
  const { deps, attemptId, timing } = attempt;
  if (existing.fingerprint !== request.fingerprint) {
    deps.onOutcome?.('id_reused');
    const message = 'This cash-out id was already used for a different recipient, amount or currency; nothing was paid for this request.';
    return { answer: refusal(409, 'cash_out_id_reused', message, request.cashOutId) };
  }
  if (existing.answer) return { answer: await replay(deps, existing, attemptId, timing) };
  if (existing.leaseExpiresAt > deps.clock.now()) {
    // Village treats a 409 as failed and returns the balance, while the delivery in flight
    // may still pay: wait for its answer (it is due before ours) and give the same one.
    const settled = await waitForAnswer(deps, request.cashOutId, timing);
    if (settled?.answer) return { answer: await replay(deps, settled, attemptId, timing) };
    return { answer: await refuseDuplicate(deps, request.cashOutId, timing) };
  }
  return takeOverStale(existing, attempt);
}

/** The claim's holder died (its lease ran out) before answering: this delivery takes it over, unless another did first. */
async function takeOverStale(existing: LedgerItem, attempt: Attempt): Promise<Claimed> {
  const { deps, attemptId, timing, now } = attempt;
  const { clock, ledger } = deps;
  const cashOutId = existing.cashOutId;
  const sentAt = existing.stripeRequestSentAt ? Date.parse(existing.stripeRequestSentAt) : undefined;
  if (sentAt !== undefined && clock.now() - sentAt > deps.idempotencyWindowMs) {
    // Stripe may have forgotten the idempotency key: a new attempt could pay twice.
    const takenOver = await ledger.takeOver(existing, attemptId, timing.leaseExpiresAt, now);
    if (!takenOver)
      return { answer: refusal(409, 'cash_out_in_flight', 'This cash-out is being processed by another request.', cashOutId) };
    const message = 'An earlier attempt at this cash-out may have paid; it is left to reconciliation. Nothing was paid by this request.';
    const reason = { reason: 'stale_claim_outside_idempotency_window' };
    return {
      answer: await finish(deps, takenOver, attemptId, 'unknown', refusal(500, 'needs_reconciliation', message, cashOutId), reason, timing),
    };
  }
  const takenOver = await ledger.takeOver(existing, attemptId, timing.leaseExpiresAt, now);
  if (!takenOver) {
    deps.onOutcome?.('in_flight');
    return {
      answer: refusal(409, 'cash_out_in_flight', 'This cash-out is being processed by another request; ask again shortly.', cashOutId),
    };
  }
  deps.logger.warn('Took over a cash-out whose earlier attempt did not finish', {
    cashOutId,
    attempts: takenOver.attempts,
    stripeRequestSent: sentAt !== undefined,
  });
  return { item: takenOver };
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

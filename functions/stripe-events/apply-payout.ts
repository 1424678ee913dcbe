import type { LedgerItem } from '../shared/ledger.js';
import { eventRef, recordOutcome, type StripeDeps, type ApplyOutcome } from './inbox.js';
import { MONEY_MOVEMENT, type LedgerChange, type MovementStatus } from './ledger-events.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';
import type { Envelope, StripeObjects } from './event.js';

/** A payout or a transfer, reduced to what the ledger needs. */
interface Movement {
  objectType: 'payout' | 'transfer';
  id: string;
  status: MovementStatus;
  /** From `metadata.cash_out_id`, or a transfer's `transfer_group`, both set by the gateway. */
  cashOutId?: string;
  /** The connected account: where a payout happened, where a transfer went. */
  accountId?: string;
  amount: number;
  currency: string;
  fields: LedgerChange['fields'];
}

export function payoutMovement(envelope: Envelope, payout: StripeObjects['payout']): Movement {
  return {
    objectType: 'payout',
    id: payout.id,
    status: payout.status,
    cashOutId: payout.metadata?.cash_out_id,
    accountId: envelope.account,
    amount: payout.amount,
    currency: payout.currency,
    fields: {
      failureCode: payout.failure_code,
      failureMessage: payout.failure_message,
      arrivalDate: payout.arrival_date ?? undefined,
      reconciliationStatus: payout.reconciliation_status,
    },
  };
}

/** A transfer is `paid` once created, `reversed` once fully reversed; a partial reversal keeps it `paid`. */
export function transferMovement(_envelope: Envelope, transfer: StripeObjects['transfer']): Movement {
  return {
    objectType: 'transfer',
    id: transfer.id,
    status: transfer.reversed ? 'reversed' : 'paid',
    cashOutId: transfer.metadata?.cash_out_id ?? transfer.transfer_group,
    accountId: transfer.destination,
    amount: transfer.amount,
    currency: transfer.currency,
    fields: { amountReversed: transfer.amount_reversed },
  };
}

const MONEY_OUT: readonly MovementStatus[] = ['pending', 'in_transit', 'paid'];
const NOT_PAID: readonly MovementStatus[] = ['failed', 'canceled', 'reversed'];

/**
 * `payout.*` and `transfer.*`: moves the cash-out's ledger item, or, for money the gateway did
 * not move, keeps a `payout` / `transfer` record. The two cases an operator must act on are
 * flagged on the item, logged at error level and counted: Village was told 200 and the money
 * did not arrive (`failedAfterPaid`), and Village was told it failed yet the money moved
 * (`needsCompensation`).
 */
export async function applyMovement(envelope: Envelope, movement: Movement, deps: StripeDeps): Promise<ApplyOutcome> {
  // The ledger holds the platform's cash-outs: a merchant's payout never moves it, whatever its metadata says.
  if (deps.sourceId !== PLATFORM_SOURCE_ID) return recordExternal(envelope, movement, deps);
  const item = await findLedgerItem(movement, deps);
  if (!item) return unknownCashOut(envelope, movement, deps);
  const anomaly = anomalyOf(item, movement);
  if (anomaly) return recordAnomaly(envelope, movement, item, anomaly, deps);
  if (item.status === 'processing') return inFlight(item.cashOutId);
  if (!item.stripeObjectId) return unconfirmed(envelope, movement, item, deps);
  return moveLedger(envelope, movement, item, deps);
}

/**
 * The cash-out this money movement is bound to, else the one its metadata names. Metadata is
 * only a hint (a Standard account can set it on its own payouts, and change it on the
 * gateway's): the binding to the object id wins. The common case is one consistent read.
 */
async function findLedgerItem(movement: Movement, deps: StripeDeps): Promise<LedgerItem | undefined> {
  const byCashOutId = movement.cashOutId ? await deps.ledger.get(movement.cashOutId) : undefined;
  if (byCashOutId?.stripeObjectId === movement.id) return byCashOutId;
  return (await deps.ledger.findByStripeObjectId(movement.id)) ?? byCashOutId;
}

/** No ledger item is bound to it or named by it: money the gateway did not move, kept as a record. */
function unknownCashOut(envelope: Envelope, movement: Movement, deps: StripeDeps): Promise<ApplyOutcome> {
  if (movement.cashOutId)
    deps.logger.warn('Stripe names a cash-out the ledger does not know', { cashOutId: movement.cashOutId, stripeObjectId: movement.id });
  return recordExternal(envelope, movement, deps);
}

/** Why this event must not move this ledger item, if it must not. */
function anomalyOf(item: LedgerItem, movement: Movement): string | undefined {
  if (item.mode !== movement.objectType) return `a ${movement.objectType} for a cash-out paid by ${item.mode}`;
  if (item.stripeObjectId && item.stripeObjectId !== movement.id)
    return `a second ${movement.objectType} for one cash-out (the ledger has ${item.stripeObjectId})`;
  if (item.accountId && movement.accountId && item.accountId !== movement.accountId)
    return `a ${movement.objectType} on ${movement.accountId}, not the recipient's ${item.accountId}`;
  // Anyone able to set metadata (a Standard account, on its own payouts) can name a cash-out: the money must match too.
  if (movement.amount !== item.amountMinor || movement.currency.toLowerCase() !== item.currency.toLowerCase()) {
    return `a ${movement.objectType} of ${movement.amount} ${movement.currency}, not the cash-out's ${item.amountMinor} ${item.currency.toLowerCase()}`;
  }
  if (item.status === 'rejected') return 'money moved for a cash-out the gateway rejected before paying';
  return undefined;
}

/** The event does not fit the cash-out it names: recorded beside it, the ledger unchanged, an operator told. */
async function recordAnomaly(
  envelope: Envelope,
  movement: Movement,
  item: LedgerItem,
  anomaly: string,
  deps: StripeDeps,
): Promise<ApplyOutcome> {
  const cashOutId = item.cashOutId;
  deps.logger.error('Stripe event does not fit the cash-out it names; recorded, ledger unchanged', {
    cashOutId,
    stripeObjectId: movement.id,
    ledgerStatus: item.status,
    anomaly,
  });
  deps.onMetric?.('LedgerAnomaly');
  await recordExternal(envelope, movement, deps, { cashOutId, anomaly });
  return { outcome: 'anomaly', detail: `${anomaly} (cash-out ${cashOutId})` };
}

/** The cash-out is still being paid: answered so that Stripe delivers the event again later. */
function inFlight(cashOutId: string): ApplyOutcome {
  return {
    outcome: 'stale',
    retryLater: {
      reason: 'ledger_item_in_flight',
      message: `Cash-out ${cashOutId} is still being paid; this event is applied when Stripe delivers it again.`,
    },
  };
}

/**
 * A movement naming a cash-out whose own payout or transfer the gateway has not confirmed
 * (Stripe's answer to the create call never came). Anyone able to set metadata can name a
 * cash-out, so the event neither binds it nor moves it: it is recorded beside the cash-out,
 * and reconciliation finds the gateway's own movement at Stripe (stripe-money.ts), raising
 * the cash-out to an operator if more than one names it.
 */
async function unconfirmed(envelope: Envelope, movement: Movement, item: LedgerItem, deps: StripeDeps): Promise<ApplyOutcome> {
  const anomaly = `a ${movement.objectType} naming a cash-out whose own ${item.mode} is not confirmed yet (the ledger is ${item.status}): not applied, reconciliation identifies the gateway's own at Stripe`;
  deps.logger.warn('Stripe event names a cash-out with no confirmed payout; recorded, ledger unchanged', {
    cashOutId: item.cashOutId,
    stripeObjectId: movement.id,
    ledgerStatus: item.status,
  });
  await recordExternal(envelope, movement, deps, { cashOutId: item.cashOutId, anomaly });
  return { outcome: 'anomaly', detail: `${anomaly} (cash-out ${item.cashOutId})` };
}

/** Moves the cash-out's ledger item to the movement's status (conditionally: never back, never from an older event). */
async function moveLedger(envelope: Envelope, movement: Movement, item: LedgerItem, deps: StripeDeps): Promise<ApplyOutcome> {
  const cashOutId = item.cashOutId;
  const flags = flagsOf(item, movement);
  const result = await deps.ledger.apply(
    {
      cashOutId,
      status: movement.status,
      stripeObjectId: movement.id,
      event: eventRef(envelope),
      fields: {
        ...movement.fields,
        ...(flags.failedAfterPaid ? { failedAfterPaid: true } : {}),
        ...(flags.needsCompensation ? { needsCompensation: true } : {}),
      },
    },
    new Date(deps.clock.now()),
  );
  // Whether this event moved it or an earlier delivery did: a cash-out not paid gives back its limits, once.
  if (NOT_PAID.includes(result.applied ? movement.status : (result.current?.status as MovementStatus)))
    await deps.limits?.release(cashOutId);
  if (!result.applied) {
    return {
      outcome: 'stale',
      detail: `ledger ${cashOutId}: stays ${result.current?.status ?? '?'} (event older than the ledger, or a move back from it)`,
    };
  }
  alertNewFlags(item, movement, flags, result.previous, deps);
  const move = { from: result.previous.status, to: movement.status };
  return { outcome: 'applied', detail: `ledger ${cashOutId}: ${move.from} → ${move.to}`, moves: [move] };
}

/** What an operator must act on, from what Village was told and where the money is. */
interface Flags {
  failedAfterPaid: boolean;
  needsCompensation: boolean;
}

function flagsOf(item: LedgerItem, movement: Movement): Flags {
  // Where Village's answer is not known (a crashed claim raised to an operator), it may have
  // been a 200: money that then fails to arrive is flagged as if it had been.
  const answeredPaid = item.answer ? item.answer.statusCode === 200 && !item.needsCompensation : undefined;
  const reversedAmount = movement.fields.amountReversed ?? 0;
  return {
    failedAfterPaid: answeredPaid !== false && (NOT_PAID.includes(movement.status) || reversedAmount > 0),
    needsCompensation: answeredPaid === false && MONEY_OUT.includes(movement.status),
  };
}

/** Logs at error level and counts a flag this event raised, once: not again where the item already had it. */
function alertNewFlags(item: LedgerItem, movement: Movement, flags: Flags, previous: LedgerItem, deps: StripeDeps): void {
  const cashOutId = item.cashOutId;
  if (flags.failedAfterPaid && !previous.failedAfterPaid) {
    deps.logger.error('Payout failed after Village was told paid', {
      cashOutId,
      stripeObjectId: movement.id,
      status: movement.status,
      failureCode: movement.fields.failureCode,
      amountReversed: movement.fields.amountReversed,
    });
    deps.onMetric?.('PayoutFailedAfterPaid');
  }
  if (flags.needsCompensation && !previous.needsCompensation) {
    deps.logger.error('Money moved for a cash-out Village was told had failed; needs compensation', {
      cashOutId,
      stripeObjectId: movement.id,
      status: movement.status,
      villageAnswer: item.answer?.statusCode,
    });
    deps.onMetric?.('PayoutNeedsCompensation');
  }
}

async function recordExternal(
  envelope: Envelope,
  movement: Movement,
  deps: StripeDeps,
  extra: { cashOutId?: string; anomaly?: string } = {},
): Promise<ApplyOutcome> {
  const result = await deps.records.apply(
    {
      id: movement.id,
      kind: movement.objectType,
      status: movement.status,
      lifecycle: MONEY_MOVEMENT,
      event: eventRef(envelope),
      fields: {
        account: movement.accountId,
        amount: movement.amount,
        currency: movement.currency,
        livemode: envelope.livemode,
        cashOutId: extra.cashOutId ?? movement.cashOutId,
        anomaly: extra.anomaly,
        ...movement.fields,
      },
    },
    new Date(deps.clock.now()),
  );
  if (result.applied && movement.status === 'failed' && result.previous?.status !== 'failed') {
    deps.logger.warn('A payout made outside the gateway failed', { stripeObjectId: movement.id, failureCode: movement.fields.failureCode });
  }
  return recordOutcome(`${movement.objectType} ${movement.id}`, result, movement.status);
}

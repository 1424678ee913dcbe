import { Decimal } from 'decimal.js';
import type { LedgerItem } from '../shared/ledger.js';
import { currencyExponent } from '../shared/money.js';
import { dayStart, DAY_SECONDS } from '../reports/days.js';
import type { ReportRow, ReportRunItem } from '../reports/report-store.js';
import { CONNECTED_PAYOUTS_REPORT, MERCHANT_CLOSE_REPORTS, PLATFORM_CLOSE_REPORTS, TRANSFERS_REPORT } from '../reports/report-types.js';
import { PLATFORM_SOURCE_ID } from '../stripe-events/source-id.js';

/**
 * The daily close: for one UTC day and one source, every cash-out's payout or transfer tied to
 * Stripe's books by object id, amount and currency. Transfers are the platform's balance
 * activity (`balance_change_from_activity.itemized.3`, category `transfer`); payouts on
 * connected accounts are in `connected_account_payouts.itemized.3` (Stripe's balance activity
 * reports leave payouts out). A merchant's account pays no cash-out: its day closes once its
 * reports are kept.
 */
export type DifferenceKind = 'amount_differs' | 'unknown_to_ledger' | 'missing_from_stripe';

export interface Movement {
  objectId: string;
  kind: 'payout' | 'transfer';
  amountMinor: number;
  /** Lowercase. */
  currency: string;
  account?: string;
  cashOutId?: string;
}

export interface Difference {
  kind: DifferenceKind;
  objectId: string;
  ledger?: Movement;
  stripe?: Movement;
}

export type CloseState = 'closed' | 'open' | 'waiting';

export interface CloseOutcome {
  day: string;
  sourceId: string;
  state: CloseState;
  /** Report types not kept (fetched) for the whole day yet: the close waits for them. */
  waitingFor: string[];
  matched: Movement[];
  differences: Difference[];
}

/** A ledger item this close of a day reads: one created up to this long either side of it may have its movement on this day. */
export const EDGE_SECONDS = 600;

export interface CloseInputs {
  runs: ReportRunItem[];
  rows(run: ReportRunItem): Promise<ReportRow[]>;
  /** Cash-outs created from the day's start less EDGE_SECONDS to its end plus EDGE_SECONDS. */
  ledger: LedgerItem[];
}

export async function closeDay(day: string, sourceId: string, inputs: CloseInputs): Promise<CloseOutcome> {
  const start = dayStart(day);
  const platform = sourceId === PLATFORM_SOURCE_ID;
  const needed = platform ? PLATFORM_CLOSE_REPORTS : MERCHANT_CLOSE_REPORTS;
  const kept = new Map<string, ReportRunItem>();
  for (const run of inputs.runs) {
    const covers = run.fetch === 'fetched' && run.intervalStart <= start && run.intervalEnd >= start + DAY_SECONDS && !run.connectedAccount;
    if (covers && (!kept.has(run.reportType) || kept.get(run.reportType)!.updatedAt < run.updatedAt)) kept.set(run.reportType, run);
  }
  const waitingFor = needed.filter((type) => !kept.has(type));
  const outcome: CloseOutcome = { day, sourceId, state: 'waiting', waitingFor, matched: [], differences: [] };
  if (waitingFor.length > 0) return outcome;
  if (!platform) return { ...outcome, state: 'closed' };
  const inDay = (utc: string) => utc.slice(0, 10) === day;
  const transfers = (await inputs.rows(kept.get(TRANSFERS_REPORT)!))
    .filter((row) => row.reporting_category === 'transfer' && inDay(row.created_utc ?? day))
    .map((row) => fromRow(row, 'transfer', row.source_id));
  const payouts = (await inputs.rows(kept.get(CONNECTED_PAYOUTS_REPORT)!))
    .filter((row) => inDay(row.effective_at_utc ?? day))
    .map((row) => fromRow(row, 'payout', row.payout_id));
  return { ...outcome, ...tie([...transfers, ...payouts], inputs.ledger, start) };
}

/** Each Stripe movement to its cash-out by object id; what is left on either side is a difference. */
export function tie(stripe: Movement[], ledger: LedgerItem[], start: number): Pick<CloseOutcome, 'state' | 'matched' | 'differences'> {
  const byObject = new Map(ledger.filter((item) => item.stripeObjectId).map((item) => [item.stripeObjectId!, item]));
  const matched: Movement[] = [];
  const differences: Difference[] = [];
  const seen = new Set<string>();
  for (const movement of stripe) {
    const item = byObject.get(movement.objectId);
    seen.add(movement.objectId);
    if (!item) {
      differences.push({ kind: 'unknown_to_ledger', objectId: movement.objectId, stripe: movement });
      continue;
    }
    const own = fromLedger(item);
    if (own.amountMinor !== movement.amountMinor || own.currency !== movement.currency)
      differences.push({ kind: 'amount_differs', objectId: movement.objectId, ledger: own, stripe: movement });
    else matched.push({ ...movement, cashOutId: item.cashOutId });
  }
  for (const item of byObject.values()) {
    const created = Date.parse(item.stripeRequestSentAt ?? item.createdAt) / 1000;
    // A cash-out of a neighbouring day (within the edge) is that day's to close.
    if (seen.has(item.stripeObjectId!) || created < start || created >= start + DAY_SECONDS) continue;
    differences.push({ kind: 'missing_from_stripe', objectId: item.stripeObjectId!, ledger: fromLedger(item) });
  }
  return { state: differences.length === 0 ? 'closed' : 'open', matched, differences };
}

function fromRow(row: ReportRow, kind: Movement['kind'], objectId: string | undefined): Movement {
  const currency = (row.currency ?? '').toLowerCase();
  // CSV amounts are major units, signed as the balance moved: a payout or transfer out is negative.
  const minor = new Decimal(row.gross ?? '0').abs().times(new Decimal(10).pow(currencyExponent(currency.toUpperCase())));
  return { objectId: objectId ?? '(no id)', kind, amountMinor: minor.toNumber(), currency, account: row.connected_account || undefined };
}

function fromLedger(item: LedgerItem): Movement {
  return {
    objectId: item.stripeObjectId!,
    kind: item.stripeObjectType ?? item.mode,
    amountMinor: item.amountMinor,
    currency: item.currency.toLowerCase(),
    account: item.accountId,
    cashOutId: item.cashOutId,
  };
}

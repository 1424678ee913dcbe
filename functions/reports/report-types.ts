/**
 * The Stripe report types the gateway runs, as Stripe's Reporting API documents them
 * (docs.stripe.com/reports/report-types/balance, …/payout-reconciliation, …/connect):
 * `interval_start` inclusive and `interval_end` exclusive, both within the type's
 * `data_available_start`/`data_available_end`; amounts in major units.
 *
 * - `balance_change_from_activity.itemized.3` holds every balance transaction except payouts
 *   (charges, refunds, disputes, fees, transfers): a cash-out's transfer is a row with
 *   `reporting_category` `transfer` and `source_id` `tr_…`.
 * - `payouts.itemized.3` holds the payouts (`payout_id`); a connected account's payouts are in
 *   `connected_account_payouts.itemized.3`, run with the platform's key (`connected_account`
 *   filters one account; without it, every connected account, named in a column).
 * - `payout_reconciliation.itemized.5` ties transactions to the automatic payout that settled
 *   them; Stripe cannot attribute anything to a manual payout, so a merchant on manual payouts
 *   reconciles with the Balance report (`balance.summary.1`, `balance_change_from_activity`,
 *   `payouts.itemized.3`) instead, whose runs the gateway keeps all the same.
 */
export const MERCHANT_REPORT_TYPES = [
  'balance.summary.1',
  'balance_change_from_activity.itemized.3',
  'ending_balance_reconciliation.itemized.4',
  'payouts.itemized.3',
  'payout_reconciliation.itemized.5',
] as const;

/** The platform's own, and the same for the connected accounts its cash-outs pay. */
export const PLATFORM_REPORT_TYPES = [
  ...MERCHANT_REPORT_TYPES,
  'connected_account_balance.summary.1',
  'connected_account_balance_change_from_activity.itemized.3',
  'connected_account_ending_balance_reconciliation.itemized.4',
  'connected_account_payouts.itemized.3',
  'connected_account_payout_reconciliation.itemized.5',
] as const;

export type ReportType = (typeof PLATFORM_REPORT_TYPES)[number];

/** What the daily close reads: the platform's transfers, and the payouts on its connected accounts. */
export const TRANSFERS_REPORT: ReportType = 'balance_change_from_activity.itemized.3';
export const CONNECTED_PAYOUTS_REPORT: ReportType = 'connected_account_payouts.itemized.3';
export const PLATFORM_CLOSE_REPORTS: readonly ReportType[] = [TRANSFERS_REPORT, CONNECTED_PAYOUTS_REPORT];
/** A merchant's account pays no cash-out: its day closes once its Balance and Payout reports are kept. */
export const MERCHANT_CLOSE_REPORTS: readonly ReportType[] = ['balance_change_from_activity.itemized.3', 'payouts.itemized.3'];

export function isReportType(value: string): value is ReportType {
  return (PLATFORM_REPORT_TYPES as readonly string[]).includes(value);
}

export function reportTypesFor(platform: boolean): readonly ReportType[] {
  return platform ? PLATFORM_REPORT_TYPES : MERCHANT_REPORT_TYPES;
}

/** The columns whose values are money, in major units: kept as exact decimal strings. */
export const AMOUNT_COLUMNS = new Set(['gross', 'fee', 'net', 'net_amount', 'customer_facing_amount']);

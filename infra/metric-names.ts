import { NAMESPACE } from '../functions/shared/telemetry.js';

/**
 * The application metrics the alarms and the dashboard read, named once. The handlers emit
 * them with Powertools (embedded metric format) in NAMESPACE, with the dimension
 * `service` = the emitting function's service name (the route id for routes).
 */
export const METRIC_NAMESPACE = NAMESPACE;

/** The `service` dimension of each emitter. */
export const SERVICES = {
  villageCashOut: 'village-cash-out',
  stripeEvents: 'stripe-events',
  justWallet: 'just-wallet',
  reconciliation: 'reconcile',
  catchUp: 'catch-up',
  reports: 'reports',
} as const;

/** Ledger statuses a cash-out can be answered with, each counted as `CashOut_<status>`. */
export const CASH_OUT_STATUSES = ['pending', 'paid', 'failed', 'rejected', 'unknown'] as const;
export type CashOutStatus = (typeof CASH_OUT_STATUSES)[number];

export const cashOutMetric = (status: CashOutStatus): string => `CashOut_${status}`;

export interface AppMetric {
  service: string;
  metricName: string;
}

/** The metrics that raise an alarm when they count one or more in five minutes. */
export const ALARMED_METRICS = {
  /** A cash-out whose Stripe outcome is not known: money may have moved while Village heard "failed". */
  cashOutUnknown: { service: SERVICES.villageCashOut, metricName: cashOutMetric('unknown') },
  /** Stripe reported a payout failed after the gateway had answered Village 200 for it. */
  payoutFailedAfterPaid: { service: SERVICES.stripeEvents, metricName: 'PayoutFailedAfterPaid' },
  /** Money moved for a cash-out Village was told failed: reconciliation must cancel or reverse it. */
  payoutNeedsCompensation: { service: SERVICES.stripeEvents, metricName: 'PayoutNeedsCompensation' },
  /** A Stripe payout or transfer that contradicts the ledger (a second payout, another account or mode, a refused cash-out). */
  ledgerAnomaly: { service: SERVICES.stripeEvents, metricName: 'LedgerAnomaly' },
  /** A cash-out's outcome (a 200, a late answer, a refused duplicate) could not be recorded: see the OPERATOR log line. */
  cashOutLedgerWriteFailed: { service: SERVICES.villageCashOut, metricName: 'CashOut_ledger_write_failed' },
  /** The reconciliation job found a payout it cannot settle by itself. */
  reconcileNeedsOperator: { service: SERVICES.reconciliation, metricName: 'ReconcileNeedsOperator' },
  /** Catch-up could not list a source's (or a connected account's) events, or could not apply one. */
  catchUpFailed: { service: SERVICES.catchUp, metricName: 'CatchUpFailed' },
  /** A Stripe report run failed, or its file could not be downloaded (by the webhook). */
  reportFailed: { service: SERVICES.stripeEvents, metricName: 'ReportFailed' },
  /** A report file the reports job tried again could not be downloaded. */
  reportFetchFailed: { service: SERVICES.reports, metricName: 'ReportFetchFailed' },
  /** Yesterday's daily close found a difference between the ledger and Stripe's reports. */
  dayNotClosed: { service: SERVICES.reports, metricName: 'DayNotClosed' },
} as const satisfies Record<string, AppMetric>;

import type { Clock } from '../shared/clock.js';
import type { StripeClient } from '../shared/stripe.js';
import type { ReportStore } from './report-store.js';
import type { ReportType } from './report-types.js';

export interface RunRequest {
  sourceId: string;
  reportType: ReportType;
  /** Unix seconds, inclusive. */
  intervalStart: number;
  /** Unix seconds, exclusive. */
  intervalEnd: number;
  connectedAccount?: string;
}

export interface RequestDeps {
  store: ReportStore;
  /** A Stripe client with the source's key (the platform's, or the merchant's restricted key). */
  stripeFor(sourceId: string): Promise<StripeClient>;
  clock: Clock;
  /** `reports job`, `npm run reports`… */
  requestedBy: string;
}

export type RequestOutcome =
  | { kind: 'requested'; runId: string }
  /** Stripe's data for the type does not reach the interval's end yet: ask again later. */
  | { kind: 'not_available'; dataAvailableEnd: number };

/**
 * Asks Stripe for one report run, once the type's data covers the interval (Stripe refuses an
 * interval past `data_available_end`).
 */
export async function requestRun(request: RunRequest, deps: RequestDeps): Promise<RequestOutcome> {
  const stripe = await deps.stripeFor(request.sourceId);
  const type = await stripe.reporting.reportTypes.retrieve(request.reportType);
  if (type.data_available_end < request.intervalEnd) return { kind: 'not_available', dataAvailableEnd: type.data_available_end };
  const parameters = {
    interval_start: request.intervalStart,
    interval_end: request.intervalEnd,
    ...(request.connectedAccount ? { connected_account: request.connectedAccount } : {}),
  };
  // No idempotency key of our own: one naming the interval would give back the first run for a day asked again (today's, re-run later); the SDK keys its own retries.
  const run = await stripe.reporting.reportRuns.create({ report_type: request.reportType, parameters });
  // A run Stripe finished already (its event came first) keeps its state; a new one is pending.
  const known = await deps.store.getRun(request.sourceId, run.id);
  await deps.store.saveRun(
    {
      sourceId: request.sourceId,
      runId: run.id,
      reportType: request.reportType,
      intervalStart: request.intervalStart,
      intervalEnd: request.intervalEnd,
      connectedAccount: request.connectedAccount,
      status: known?.status ?? 'pending',
      requestedBy: deps.requestedBy,
    },
    new Date(deps.clock.now()),
  );
  return { kind: 'requested', runId: run.id };
}

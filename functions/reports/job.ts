import type { Clock } from '../shared/clock.js';
import type { CloseOutcome } from '../close/close.js';
import { addDays, dayOf, dayStart, DAY_SECONDS } from './days.js';
import { fetchReport, type ReportFetchDeps } from './fetch-report.js';
import type { ReportStore } from './report-store.js';
import { reportTypesFor } from './report-types.js';
import { requestRun, type RequestDeps } from './request.js';
import { PLATFORM_SOURCE_ID } from '../stripe-events/source-id.js';

/** The metric a day that does not close counts (an alarm watches it). */
export const DAY_NOT_CLOSED_METRIC = 'DayNotClosed';

/** Days before yesterday still asked for when their data was late or a run failed. */
export const CATCH_UP_DAYS = 3;

export interface ReportsJobDeps {
  store: ReportStore;
  /** The platform, then each enabled merchant source with an API key. */
  sources(): Promise<string[]>;
  request: RequestDeps;
  fetch: ReportFetchDeps;
  close(day: string, sourceId: string): Promise<CloseOutcome>;
  clock: Clock;
  onMetric?: (name: string) => void;
}

export interface ReportsJobSummary {
  days: string[];
  requested: number;
  notAvailable: number;
  fetched: number;
  failures: { sourceId: string; reportType?: string; day?: string; reason: string }[];
  closes: Pick<CloseOutcome, 'day' | 'sourceId' | 'state' | 'waitingFor'>[];
}

/**
 * One run of the scheduled job: for yesterday (and the few days before, when something is
 * still missing), each source's report types are asked for once their data covers the day;
 * files a download failed for are fetched again; then yesterday's close, an alarm if it does
 * not close once its reports are kept.
 */
export async function runReportsJob(deps: ReportsJobDeps): Promise<ReportsJobSummary> {
  const yesterday = addDays(dayOf(Math.floor(deps.clock.now() / 1000)), -1);
  const days = Array.from({ length: CATCH_UP_DAYS + 1 }, (_, index) => addDays(yesterday, -index));
  const summary: ReportsJobSummary = { days, requested: 0, notAvailable: 0, fetched: 0, failures: [], closes: [] };
  const sources = await deps.sources();
  for (const sourceId of sources) {
    for (const day of days) await requestMissing(sourceId, day, deps, summary);
  }
  for (const sourceId of sources) {
    const outcome = await deps.close(yesterday, sourceId);
    summary.closes.push({ day: outcome.day, sourceId, state: outcome.state, waitingFor: outcome.waitingFor });
    if (outcome.state === 'open') deps.onMetric?.(DAY_NOT_CLOSED_METRIC);
  }
  return summary;
}

async function requestMissing(sourceId: string, day: string, deps: ReportsJobDeps, summary: ReportsJobSummary): Promise<void> {
  const start = dayStart(day);
  const runs = await deps.store.runsOfDay(sourceId, day);
  for (const run of runs) {
    // Recorded by the Stripe events route, or a download that failed: fetched here (a fetch still running holds the run).
    if (run.status === 'succeeded' && run.fetch !== 'fetched') {
      const fetched = await fetchReport(run, deps.fetch);
      if (fetched.kind === 'fetched') summary.fetched += 1;
      else if (fetched.kind === 'failed') summary.failures.push({ sourceId, reportType: run.reportType, day, reason: fetched.reason });
    }
  }
  for (const reportType of reportTypesFor(sourceId === PLATFORM_SOURCE_ID)) {
    // A failed run is asked for again; one pending or succeeded is not.
    if (runs.some((run) => run.reportType === reportType && run.status !== 'failed' && !run.connectedAccount)) continue;
    try {
      const outcome = await requestRun({ sourceId, reportType, intervalStart: start, intervalEnd: start + DAY_SECONDS }, deps.request);
      if (outcome.kind === 'requested') summary.requested += 1;
      else summary.notAvailable += 1;
    } catch (error) {
      summary.failures.push({ sourceId, reportType, day, reason: (error as Error).message });
    }
  }
}

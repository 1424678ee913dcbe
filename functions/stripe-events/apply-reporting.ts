import { fetchReport, REPORT_FAILED_METRIC } from '../reports/fetch-report.js';
import { changeRecord, recordOutcome, type StripeDeps, type ApplyOutcome } from './inbox.js';
import type { Lifecycle } from '../shared/record-model.js';
import type { Envelope, StripeObjects } from './event.js';

export const REPORT_RUN: Lifecycle<'pending' | 'succeeded' | 'failed'> = {
  rank: { pending: 0, succeeded: 1, failed: 1 },
  terminal: ['succeeded', 'failed'],
  forwardOnly: true,
};

/** Files and report types only ever exist (`available`); newer events refresh their fields. */
export const AVAILABLE: Lifecycle<'available'> = { rank: { available: 0 }, terminal: [], forwardOnly: false };

/** `file.created`: a file Stripe made (a report's result, dispute evidence…), recorded so it can be found. */
export async function applyFile(envelope: Envelope, file: StripeObjects['file'], deps: StripeDeps): Promise<ApplyOutcome> {
  const result = await changeRecord(envelope, deps, {
    id: file.id,
    kind: 'file',
    status: 'available',
    lifecycle: AVAILABLE,
    fields: {
      account: envelope.account,
      livemode: envelope.livemode,
      purpose: file.purpose,
      size: file.size,
      type: file.type,
      filename: file.filename,
      fileExpiresAt: file.expires_at ?? undefined,
    },
  });
  return recordOutcome(`file ${file.id}`, result, 'available');
}

/** `reporting.report_run.*`: a report run finished; its result is a file id. */
export async function applyReportRun(envelope: Envelope, run: StripeObjects['report_run'], deps: StripeDeps): Promise<ApplyOutcome> {
  const result = await changeRecord(envelope, deps, {
    id: run.id,
    kind: 'report_run',
    status: run.status,
    lifecycle: REPORT_RUN,
    fields: {
      account: envelope.account,
      livemode: envelope.livemode,
      reportType: run.report_type,
      resultFileId: run.result?.id,
      error: run.error,
    },
  });
  if (result.applied && run.status === 'failed') {
    deps.logger.warn('A Stripe report run failed', { reportRunId: run.id, reportType: run.report_type });
    deps.onMetric?.(REPORT_FAILED_METRIC);
  }
  const outcome = recordOutcome(`report run ${run.id}`, result, run.status);
  const kept = deps.reports ? await keepReportRun(run, deps.reports, deps) : undefined;
  return kept ? { ...outcome, detail: `${outcome.detail}; ${kept}` } : outcome;
}

/**
 * The run as the reports keep it, and, once it succeeded, its file fetched: a second delivery
 * of the event (or catch-up's) finds it fetched and fetches nothing.
 */
async function keepReportRun(
  run: StripeObjects['report_run'],
  reports: NonNullable<StripeDeps['reports']>,
  deps: StripeDeps,
): Promise<string | undefined> {
  if (run.status === 'pending') return undefined;
  const now = new Date(deps.clock.now());
  const known = await reports.store.getRun(deps.sourceId, run.id);
  const start = run.parameters?.interval_start ?? known?.intervalStart ?? run.created;
  const end = run.parameters?.interval_end ?? known?.intervalEnd ?? run.created;
  await reports.store.saveRun(
    {
      sourceId: deps.sourceId,
      runId: run.id,
      reportType: run.report_type,
      intervalStart: start,
      intervalEnd: end,
      connectedAccount: run.parameters?.connected_account ?? known?.connectedAccount,
      status: run.status,
      requestedBy: known?.requestedBy ?? 'Stripe',
      fileId: run.result?.id,
      fileUrl: run.result?.url,
      error: run.error,
    },
    now,
  );
  if (run.status === 'failed') return 'the report run failed';
  const fetched = await fetchReport((await reports.store.getRun(deps.sourceId, run.id))!, reports);
  if (fetched.kind === 'fetched') return `file fetched, ${fetched.rows} rows kept`;
  if (fetched.kind === 'already') return 'file already fetched';
  if (fetched.kind === 'left_to_job') return 'file left to the reports job';
  return `file not fetched: ${fetched.reason}`;
}

/** `reporting.report_type.updated`: newer data is available for a report type. */
export async function applyReportType(
  envelope: Envelope,
  reportType: StripeObjects['report_type'],
  deps: StripeDeps,
): Promise<ApplyOutcome> {
  const result = await changeRecord(envelope, deps, {
    id: reportType.id,
    kind: 'report_type',
    status: 'available',
    lifecycle: AVAILABLE,
    fields: {
      livemode: envelope.livemode,
      name: reportType.name,
      dataAvailableStart: reportType.data_available_start,
      dataAvailableEnd: reportType.data_available_end,
      version: reportType.version ?? undefined,
    },
  });
  return recordOutcome(`report type ${reportType.id}`, result, 'available');
}

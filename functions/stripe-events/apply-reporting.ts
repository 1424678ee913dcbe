import { eventRef, recordOutcome, type ApplyDeps, type ApplyOutcome } from './apply-deps.js';
import { AVAILABLE, REPORT_RUN } from './lifecycles.js';
import type { Envelope, StripeObjects } from './schemas.js';

/** `file.created`: a file Stripe made (a report's result, dispute evidence…), recorded so it can be found. */
export async function applyFile(envelope: Envelope, file: StripeObjects['file'], deps: ApplyDeps): Promise<ApplyOutcome> {
  const result = await deps.records.apply(
    {
      id: file.id,
      kind: 'file',
      status: 'available',
      lifecycle: AVAILABLE,
      event: eventRef(envelope),
      fields: { account: envelope.account, livemode: envelope.livemode, purpose: file.purpose, size: file.size, type: file.type, filename: file.filename, fileExpiresAt: file.expires_at ?? undefined },
    },
    new Date(deps.clock.now()),
  );
  return recordOutcome(`file ${file.id}`, result, 'available');
}

/** `reporting.report_run.*`: a report run finished; its result is a file id. */
export async function applyReportRun(envelope: Envelope, run: StripeObjects['report_run'], deps: ApplyDeps): Promise<ApplyOutcome> {
  const result = await deps.records.apply(
    {
      id: run.id,
      kind: 'report_run',
      status: run.status,
      lifecycle: REPORT_RUN,
      event: eventRef(envelope),
      fields: { account: envelope.account, livemode: envelope.livemode, reportType: run.report_type, resultFileId: run.result, error: run.error },
    },
    new Date(deps.clock.now()),
  );
  if (result.applied && run.status === 'failed') deps.logger.warn('A Stripe report run failed', { reportRunId: run.id, reportType: run.report_type });
  return recordOutcome(`report run ${run.id}`, result, run.status);
}

/** `reporting.report_type.updated`: newer data is available for a report type. */
export async function applyReportType(envelope: Envelope, reportType: StripeObjects['report_type'], deps: ApplyDeps): Promise<ApplyOutcome> {
  const result = await deps.records.apply(
    {
      id: reportType.id,
      kind: 'report_type',
      status: 'available',
      lifecycle: AVAILABLE,
      event: eventRef(envelope),
      fields: { livemode: envelope.livemode, name: reportType.name, dataAvailableStart: reportType.data_available_start, dataAvailableEnd: reportType.data_available_end, version: reportType.version ?? undefined },
    },
    new Date(deps.clock.now()),
  );
  return recordOutcome(`report type ${reportType.id}`, result, 'available');
}

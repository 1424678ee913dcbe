import { requestRun, type RunRequest } from '../functions/reports/request.js';
import type { reportsEnv } from '../operator/reports-target.js';

/** What became of one report run asked for by hand (npm run reports -- run, npm run close). */
export type RunWait =
  | { kind: 'kept'; runId: string; rowCount: number; fileBytes: number; chunks: number }
  | { kind: 'requested'; runId: string }
  | { kind: 'stopped'; message: string };

/**
 * Asks Stripe for one report run, then waits up to `waitSeconds` for the gateway to keep its
 * file (it fetches it when Stripe's reporting.report_run.succeeded arrives).
 */
export async function requestAndWait(
  target: ReturnType<typeof reportsEnv>,
  request: RunRequest,
  requestedBy: string,
  waitSeconds: number,
  onRequested: (runId: string) => void = () => {},
): Promise<RunWait> {
  const outcome = await requestRun(request, {
    store: target.reports,
    stripeFor: target.stripeFor,
    clock: { now: () => Date.now() },
    requestedBy,
  });
  if (outcome.kind === 'not_available') {
    return {
      kind: 'stopped',
      message: `Stripe's ${request.reportType} data reaches only ${new Date(outcome.dataAvailableEnd * 1000).toISOString()}: not to ${new Date(request.intervalEnd * 1000).toISOString()} yet. Nothing was requested; ask again later.`,
    };
  }
  onRequested(outcome.runId);
  const until = Date.now() + waitSeconds * 1000;
  for (;;) {
    const kept = await target.reports.getRun(request.sourceId, outcome.runId);
    if (kept?.status === 'failed') return { kind: 'stopped', message: `Stripe says the run failed: ${kept.error ?? 'no reason given'}.` };
    if (kept?.fetch === 'fetched')
      return { kind: 'kept', runId: outcome.runId, rowCount: kept.rowCount ?? 0, fileBytes: kept.fileBytes ?? 0, chunks: kept.chunks ?? 0 };
    if (kept?.fetch === 'failed')
      return {
        kind: 'stopped',
        message: `The file could not be fetched: ${kept.fetchError}. The reports job tries again; see docs/operations.md.`,
      };
    if (Date.now() > until) return { kind: 'requested', runId: outcome.runId };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

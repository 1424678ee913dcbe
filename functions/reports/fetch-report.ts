import { gzipSync } from 'node:zlib';
import type { Clock } from '../shared/clock.js';
import { sleep } from '../shared/clock.js';
import { parseReportCsv } from './csv-rows.js';
import type { ReportRunItem, ReportStore } from './report-store.js';

/** The metric a failed report run or download counts (an alarm watches it). */
export const REPORT_FAILED_METRIC = 'ReportFailed';
/** The same, counted by the reports job when a download it tried again failed. */
export const REPORT_FETCH_FAILED_METRIC = 'ReportFetchFailed';

export interface ReportFetchDeps {
  store: ReportStore;
  /**
   * The API key that may read the source's files: the platform's, or the merchant's restricted
   * key. Absent where the caller holds no key (the Stripe events route in AWS): the run is then
   * recorded and the reports job fetches its file.
   */
  apiKeyFor?: (sourceId: string) => Promise<string>;
  clock: Clock;
  /** `fetch`, or a stand-in for it. */
  http?: typeof fetch;
  onMetric?: (name: string) => void;
  logWarning?: (message: string, fields: Record<string, unknown>) => void;
  /** Attempts per fetch, each within `attemptTimeoutMs`; a short back-off between them. */
  attempts?: number;
  attemptTimeoutMs?: number;
}

export type FetchOutcome =
  { kind: 'fetched'; rows: number } | { kind: 'already' } | { kind: 'left_to_job' } | { kind: 'failed'; reason: string };

/** A download that another try may fix (the network, Stripe's 5xx or 429) or not (anything else). */
class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Downloads a succeeded run's file (stripe-node has no download method: a GET of the file's
 * `url` with the API key as bearer), with a bounded retry; keeps it compressed and its rows.
 * A run fetched already, or being fetched, is left alone. A failure is recorded on the run,
 * counted (ReportFailed) and logged; the scheduled job tries again later.
 */
export async function fetchReport(run: ReportRunItem, deps: ReportFetchDeps): Promise<FetchOutcome> {
  const attempts = deps.attempts ?? 3;
  const attemptTimeoutMs = deps.attemptTimeoutMs ?? 2500;
  if (!run.fileUrl) return fail(run, deps, 'the run has no file url');
  const apiKeyFor = deps.apiKeyFor;
  if (!apiKeyFor) return { kind: 'left_to_job' };
  if (!(await deps.store.claimFetch(run.sourceId, run.runId, deps.clock.now(), attempts * (attemptTimeoutMs + 1000))))
    return { kind: 'already' };
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const body = await download(run.fileUrl, await apiKeyFor(run.sourceId), attemptTimeoutMs, deps.http ?? fetch);
      const rows = parseReportCsv(body.toString('utf8'));
      await deps.store.keepFile(run.sourceId, run.runId, gzipSync(body), rows, new Date(deps.clock.now()));
      return { kind: 'fetched', rows: rows.length };
    } catch (error) {
      lastError = (error as Error).message;
      if (!(error instanceof DownloadError && error.retryable)) break;
      if (attempt < attempts) await sleep(200 * 2 ** (attempt - 1));
    }
  }
  return fail(run, deps, lastError);
}

async function download(url: string, apiKey: string, timeoutMs: number, http: typeof fetch): Promise<Buffer> {
  let response: Response;
  try {
    response = await http(url, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new DownloadError(`downloading the file failed: ${(error as Error).message}`, true);
  }
  if (!response.ok) {
    throw new DownloadError(`downloading the file was answered ${response.status}`, response.status >= 500 || response.status === 429);
  }
  return Buffer.from(await response.arrayBuffer());
}

async function fail(run: ReportRunItem, deps: ReportFetchDeps, reason: string): Promise<FetchOutcome> {
  await deps.store.updateRun(
    run.sourceId,
    run.runId,
    { fetch: 'failed', fetchError: reason, fetchClaimedUntil: undefined },
    new Date(deps.clock.now()),
  );
  deps.onMetric?.(REPORT_FAILED_METRIC);
  deps.logWarning?.('A Stripe report file could not be fetched', {
    sourceId: run.sourceId,
    reportRunId: run.runId,
    reportType: run.reportType,
    reason,
  });
  return { kind: 'failed', reason };
}

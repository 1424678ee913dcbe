import { fetchReport } from '../../functions/reports/fetch-report.js';
import type { ReportStore } from '../../functions/reports/report-store.js';
import type { ReportType } from '../../functions/reports/report-types.js';
import { requestRun } from '../../functions/reports/request.js';
import { systemClock } from '../../functions/shared/clock.js';
import { makeStripe } from '../../functions/shared/stripe-sdk.js';
import type { StripeStandIn } from '../../dev/stripe-stand-in.js';

/** What keeping a report needs: where runs are kept, the stand-in that makes them, and the platform's key there. */
export interface ReportsAt {
  store: ReportStore;
  standIn: StripeStandIn;
  apiKey: string;
}

/** The two reports the daily close reads. */
export const CLOSE_REPORTS: readonly ReportType[] = ['balance_change_from_activity.itemized.3', 'connected_account_payouts.itemized.3'];

/** Today's platform reports of these types, requested from the stand-in and kept as the gateway keeps them (file fetched). */
export async function keepTodaysReports(
  { store, standIn, apiKey }: ReportsAt,
  types: readonly ReportType[] = CLOSE_REPORTS,
): Promise<void> {
  const start = Math.floor(Date.now() / 86_400_000) * 86_400;
  for (const reportType of types) {
    const outcome = await requestRun(
      { sourceId: 'platform', reportType, intervalStart: start, intervalEnd: start + 86_400 },
      { store, stripeFor: async () => makeStripe(apiKey, standIn.url), clock: systemClock, requestedBy: 'test' },
    );
    if (outcome.kind !== 'requested') throw new Error('not available');
    for (let i = 0; i < 100 && standIn.reports.runs.get(outcome.runId)!.status === 'pending'; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const fileUrl = (standIn.reports.runs.get(outcome.runId)!.result as { url: string }).url;
    await store.updateRun('platform', outcome.runId, { status: 'succeeded', fileUrl }, new Date());
    await fetchReport((await store.getRun('platform', outcome.runId))!, { store, apiKeyFor: async () => apiKey, clock: systemClock });
  }
}

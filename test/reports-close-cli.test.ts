import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dayOf } from '../functions/reports/days.js';
import { fetchReport } from '../functions/reports/fetch-report.js';
import { ReportStore } from '../functions/reports/report-store.js';
import type { ReportType } from '../functions/reports/report-types.js';
import { systemClock } from '../functions/shared/clock.js';
import { makeStripe } from '../functions/shared/stripe-sdk.js';
import { runScript, tablesEnv } from './support/commands.js';
import { consoleHarness, type ConsoleHarness } from './support/console.js';
import { keepTodaysReports } from './support/reports.js';
import { seedCashOut, uniqueId } from './support/stripe-events.js';

const KEY = 'sk_test_local_stand_in';
const ACCOUNT = 'acct_1CliAda';
let h: ConsoleHarness;
let store: ReportStore;

beforeAll(async () => {
  h = await consoleHarness();
  store = new ReportStore(h.tables.db, h.tables.names.records);
});
afterAll(async () => h.stop());

/** `npm run <script>` against this file's tables and stand-in. */
const run = (script: string, ...args: string[]) =>
  runScript(`bin/${script}.ts`, args, {
    ...tablesEnv(h.tables),
    STRIPE_API_BASE: h.standIn.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

/** Plays the gateway's part while `during` runs: keeps the file of each run the stand-in has finished. */
async function actAsGateway<T>(during: Promise<T>): Promise<T> {
  let done = false;
  const result = during.finally(() => (done = true));
  const handled = new Set<string>();
  while (!done) {
    for (const [runId, standInRun] of h.standIn.reports.runs) {
      const kept = await store.getRun('platform', runId);
      if (handled.has(runId) || standInRun.status !== 'succeeded' || !kept || kept.fetch === 'fetched') continue;
      handled.add(runId);
      await store.updateRun('platform', runId, { status: 'succeeded', fileUrl: (standInRun.result as { url: string }).url }, new Date());
      await fetchReport((await store.getRun('platform', runId))!, { store, apiKeyFor: async () => KEY, clock: systemClock });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return result;
}

/** Today's reports (the close's two unless named), kept as the gateway keeps them. */
const keepReports = (types?: readonly ReportType[]) => keepTodaysReports({ store, standIn: h.standIn, apiKey: KEY }, types);

describe('npm run reports and npm run close', () => {
  test('a mistyped option or a day that does not exist is refused with exit 2, and nothing is asked of Stripe', async () => {
    const before = h.standIn.requests.length;
    expect(await run('close', '--dat', '2026-12-03')).toMatchObject({ code: 2, stderr: expect.stringContaining('did you mean --date?') });
    expect(await run('close', '--date', '2026-02-30')).toMatchObject({ code: 2 });
    expect(
      await run('reports', 'run', '--type', 'balance_change_from_activity.itemized.3', '--from', '2026-12-04', '--to', '2026-12-03'),
    ).toMatchObject({ code: 2 });
    expect(await run('reports', 'run', '--type', 'payout.itemized.3', '--from', '2026-12-03', '--to', '2026-12-04')).toMatchObject({
      code: 2,
    });
    expect(h.standIn.requests.length).toBe(before);
  });

  test("a run asked for by hand is recorded; a day past Stripe's data is refused with exit 1", async () => {
    const today = dayOf(Math.floor(Date.now() / 1000));
    const payoutsReport = (to: string, ...more: string[]) =>
      run('reports', 'run', '--type', 'payouts.itemized.3', '--from', today, '--to', to, ...more);
    const asked = await payoutsReport(dayOf(Math.floor(Date.now() / 1000) + 86_400), '--wait', '0');
    expect(asked).toMatchObject({ code: 0, stdout: expect.stringContaining('report run frr_') });
    const late = await payoutsReport(dayOf(Math.floor(Date.now() / 1000) + 3 * 86_400));
    expect(late).toMatchObject({ code: 1, stderr: expect.stringContaining('Nothing was requested') });
  });

  test('the close asks Stripe for the payouts report the day still waits for, keeps it and closes; with --no-fetch it stays waiting', async () => {
    const stripe = makeStripe(KEY, h.standIn.url);
    const paid = await stripe.payouts.create({ amount: 2015, currency: 'usd' }, { stripeAccount: ACCOUNT });
    await seedCashOut(h.stripe.ledger, { cashOutId: uniqueId('co'), status: 'pending', stripeObjectId: paid.id, accountId: ACCOUNT });
    await keepReports(['balance_change_from_activity.itemized.3']);
    const today = dayOf(Math.floor(Date.now() / 1000));

    const waiting = await run('close', '--date', today, '--source', 'platform', '--no-fetch');
    expect(waiting).toMatchObject({ code: 1, stdout: expect.stringContaining('waiting for connected_account_payouts.itemized.3') });

    const closed = await actAsGateway(run('close', '--date', today, '--source', 'platform'));
    expect(closed).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`fetched connected_account_payouts.itemized.3 for ${today}: \\d+ rows?\n[^]*CLOSED`)),
    });
  });

  test("the close prints the counts, exits 0 when the day closes and 1, naming the payout, when one was made behind the gateway's back", async () => {
    const stripe = makeStripe(KEY, h.standIn.url);
    const paid = await stripe.payouts.create({ amount: 2015, currency: 'usd' }, { stripeAccount: ACCOUNT });
    await seedCashOut(h.stripe.ledger, { cashOutId: uniqueId('co'), status: 'pending', stripeObjectId: paid.id, accountId: ACCOUNT });
    await keepReports();
    const today = dayOf(Math.floor(Date.now() / 1000));

    expect(await run('close', '--date', today, '--source', 'platform')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('CLOSED'),
    });

    const rogue = await stripe.payouts.create({ amount: 777, currency: 'usd' }, { stripeAccount: ACCOUNT });
    await keepReports();
    const open = await run('close', '--date', today, '--source', 'platform');
    expect(open.code).toBe(1);
    expect(open.stdout).toContain(`in Stripe, unknown to the ledger: payout ${rogue.id} on ${ACCOUNT}, 777 usd`);
  });
});

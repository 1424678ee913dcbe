import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { gunzipSync } from 'node:zlib';
import { closeOf } from '../functions/close/close-reads.js';
import { runReportsJob } from '../functions/reports/job.js';
import { addDays, dayOf } from '../functions/reports/days.js';
import { ReportStore } from '../functions/reports/report-store.js';
import { requestRun } from '../functions/reports/request.js';
import type { ReportType } from '../functions/reports/report-types.js';
import { systemClock } from '../functions/shared/clock.js';
import { makeStripe } from '../functions/shared/stripe-sdk.js';
import { StripeStandIn } from '../dev/stripe-stand-in.js';
import { seedCashOut, stripeHarness, uniqueId, type StripeEventJson, type StripeHarness } from './support/stripe-events.js';

const KEY = 'sk_test_reports';
const ACCOUNT = 'acct_1ReportsAda';

let h: StripeHarness;
let standIn: StripeStandIn;
let store: ReportStore;
const stripe = () => makeStripe(KEY, standIn.url);
const today = () => dayOf(Math.floor(Date.now() / 1000));

beforeEach(async () => {
  standIn = new StripeStandIn();
  await standIn.start();
  h = await stripeHarness();
  store = new ReportStore(h.tables.db, h.tables.names.records);
  // The webhook's dependencies, as the wiring builds them: the platform's key reads the files.
  Object.assign(h.deps, {
    reports: {
      store,
      apiKeyFor: async () => KEY,
      clock: systemClock,
      onMetric: (name: string) => h.metrics.push(name),
      attempts: 3,
      attemptTimeoutMs: 1000,
    },
  });
  h = await stripeHarness(h.deps, h.tables);
});
afterEach(async () => {
  await standIn.stop();
  h.tables.db.destroy();
});

/** Asks for today's run of a type, as the command does, and returns the event the stand-in made for it. */
async function runToday(reportType: ReportType): Promise<{ runId: string; event: StripeEventJson }> {
  const start = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) / 1000;
  const outcome = await requestRun(
    { sourceId: 'platform', reportType, intervalStart: start, intervalEnd: start + 86_400 },
    { store, stripeFor: async () => stripe(), clock: systemClock, requestedBy: 'test' },
  );
  if (outcome.kind !== 'requested') throw new Error('data not available');
  for (let i = 0; i < 100; i += 1) {
    const held = standIn.events.find((candidate) => (candidate.event.data as { object: { id: string } }).object.id === outcome.runId);
    if (held) return { runId: outcome.runId, event: held.event as unknown as StripeEventJson };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the stand-in sent no report event');
}

async function paidByPayout(amount = 2015) {
  const payout = await stripe().payouts.create({ amount, currency: 'usd' }, { stripeAccount: ACCOUNT });
  const cashOutId = uniqueId('co');
  await seedCashOut(h.ledger, { cashOutId, status: 'pending', stripeObjectId: payout.id, accountId: ACCOUNT });
  return { cashOutId, payoutId: payout.id };
}

async function paidByTransfer() {
  const transfer = await stripe().transfers.create({ amount: 2015, currency: 'usd', destination: ACCOUNT });
  const cashOutId = uniqueId('co');
  await seedCashOut(h.ledger, { cashOutId, status: 'paid', mode: 'transfer', stripeObjectId: transfer.id, accountId: ACCOUNT });
  return { cashOutId, transferId: transfer.id };
}

async function keepCloseReports(): Promise<void> {
  for (const type of ['balance_change_from_activity.itemized.3', 'connected_account_payouts.itemized.3'] as const) {
    const { event } = await runToday(type);
    expect((await h.send(event)).statusCode).toBe(200);
  }
}

const close = () => closeOf({ db: h.tables.db, ledgerTable: h.tables.names.ledger, reports: store }, today(), 'platform');

describe('Stripe reports', () => {
  test('a report run requested, its event received: the file is fetched and kept compressed, its rows parsed with exact amounts', async () => {
    const { transferId } = await paidByTransfer();
    const { runId, event } = await runToday('balance_change_from_activity.itemized.3');

    expect((await h.send(event)).statusCode).toBe(200);

    expect(await store.getRun('platform', runId)).toMatchObject({
      status: 'succeeded',
      fetch: 'fetched',
      rowCount: 1,
      requestedBy: 'test',
      reportType: 'balance_change_from_activity.itemized.3',
    });
    expect(await store.rows('platform', runId)).toEqual([
      expect.objectContaining({ source_id: transferId, reporting_category: 'transfer', gross: '-20.15', currency: 'usd' }),
    ]);
    expect(gunzipSync(await store.file('platform', runId)).toString()).toMatch(/^balance_transaction_id,created_utc,/);
  });

  test('a report event delivered twice fetches the file once', async () => {
    const { runId, event } = await runToday('payouts.itemized.3');
    await h.send(event);
    const downloads = () => standIn.requests.filter((request) => request.path.endsWith('/contents')).length;
    const before = downloads();

    const again = await h.send({ ...event, id: uniqueId('evt') });

    expect(again.statusCode).toBe(200);
    expect(downloads()).toBe(before);
    expect(await store.getRun('platform', runId)).toMatchObject({ fetch: 'fetched', fetchAttempts: 1 });
  });

  test('a failed download is retried, and when every try fails the run is marked and alarmed', async () => {
    standIn.reports.failDownloads = [503];
    const first = await runToday('payouts.itemized.3');
    await h.send(first.event);
    expect(await store.getRun('platform', first.runId)).toMatchObject({ fetch: 'fetched' });
    expect(h.metrics).not.toContain('ReportFailed');

    standIn.reports.failDownloads = [503, 502, 500];
    const second = await runToday('payouts.itemized.3');
    await h.send(second.event);

    expect(await store.getRun('platform', second.runId)).toMatchObject({ fetch: 'failed', fetchError: expect.stringContaining('500') });
    expect(h.metrics).toContain('ReportFailed');
  });
});

describe('the daily close', () => {
  test("a day whose every payout and transfer is in Stripe's reports closes", async () => {
    const { cashOutId } = await paidByPayout();
    await paidByTransfer();
    await keepCloseReports();

    const outcome = await close();

    expect(outcome).toMatchObject({ state: 'closed', waitingFor: [], differences: [] });
    expect(outcome.matched.map((movement) => movement.kind).sort()).toEqual(['payout', 'transfer']);
    expect(outcome.matched.find((movement) => movement.kind === 'payout')?.cashOutId).toBe(cashOutId);
  });

  test('a day waits while a report it reads is not kept', async () => {
    await runToday('balance_change_from_activity.itemized.3').then(({ event }) => h.send(event));
    expect(await close()).toMatchObject({ state: 'waiting', waitingFor: ['connected_account_payouts.itemized.3'] });
  });

  test("a payout made at Stripe behind the gateway's back keeps the day open, named", async () => {
    await paidByPayout();
    const rogue = await stripe().payouts.create({ amount: 777, currency: 'usd' }, { stripeAccount: ACCOUNT });
    await keepCloseReports();

    expect(await close()).toMatchObject({
      state: 'open',
      differences: [{ kind: 'unknown_to_ledger', objectId: rogue.id, stripe: { amountMinor: 777, currency: 'usd', account: ACCOUNT } }],
    });
  });

  test("a ledger item with no movement in Stripe's books keeps the day open", async () => {
    const cashOutId = uniqueId('co');
    await seedCashOut(h.ledger, { cashOutId, status: 'pending', stripeObjectId: uniqueId('po'), accountId: ACCOUNT });
    await keepCloseReports();

    expect(await close()).toMatchObject({ state: 'open', differences: [{ kind: 'missing_from_stripe', ledger: { cashOutId } }] });
  });

  test('an amount that differs from the ledger keeps the day open', async () => {
    const { cashOutId, payoutId } = await paidByPayout(2016);
    await keepCloseReports();

    expect(await close()).toMatchObject({
      state: 'open',
      differences: [
        { kind: 'amount_differs', objectId: payoutId, ledger: { amountMinor: 2015, cashOutId }, stripe: { amountMinor: 2016 } },
      ],
    });
  });

  test("a day's date is checked: tomorrow has no reports", async () => {
    expect(
      await closeOf({ db: h.tables.db, ledgerTable: h.tables.names.ledger, reports: store }, addDays(today(), 1), 'platform'),
    ).toMatchObject({ state: 'waiting' });
    await expect(
      closeOf({ db: h.tables.db, ledgerTable: h.tables.names.ledger, reports: store }, '2026-02-30', 'platform'),
    ).rejects.toThrow('YYYY-MM-DD');
  });
});

describe('the reports job', () => {
  test('fetches the file of a run the events route recorded without a key, asks for every missing report of the day once its data is available, and closes the day', async () => {
    Object.assign(h.deps, { reports: { store, clock: systemClock, onMetric: (name: string) => h.metrics.push(name) } });
    h = await stripeHarness(h.deps, h.tables);
    await paidByPayout();
    const recorded = await runToday('payouts.itemized.3');
    await h.send(recorded.event);
    const recordedRun = await store.getRun('platform', recorded.runId);
    expect(recordedRun?.status).toBe('succeeded');
    expect(recordedRun?.fetch).toBeUndefined();

    // The job runs "tomorrow": yesterday is today, whose data the stand-in has to the end of the day.
    const tomorrow = { now: () => Date.now() + 86_400_000 };
    const metrics: string[] = [];
    const fetchDeps = { store, apiKeyFor: async () => KEY, clock: systemClock };
    const jobDeps = {
      store,
      sources: async () => ['platform'],
      request: { store, stripeFor: async () => stripe(), clock: systemClock, requestedBy: 'reports job' },
      fetch: fetchDeps,
      close: (day: string, sourceId: string) =>
        closeOf({ db: h.tables.db, ledgerTable: h.tables.names.ledger, reports: store }, day, sourceId),
      clock: tomorrow,
      onMetric: (name: string) => metrics.push(name),
    };
    const first = await runReportsJob(jobDeps);

    expect(first.fetched).toBe(1);
    // The platform's own payouts report: the cash-out's payout is on the connected account, not here.
    expect(await store.getRun('platform', recorded.runId)).toMatchObject({ fetch: 'fetched', rowCount: 0 });
    // The platform's ten types for yesterday and the three days before, less the payouts report it had.
    expect(first.requested).toBe(39);
    expect(first.closes).toEqual([{ day: today(), sourceId: 'platform', state: 'waiting', waitingFor: expect.any(Array) }]);

    // Their events, delivered to a route that fetches (npm start's), keep the files; the next run asks for nothing more.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await runReportsJob(jobDeps);
    expect(second.requested).toBe(0);
    for (const held of standIn.events.filter((candidate) => candidate.event.type === 'reporting.report_run.succeeded')) {
      const run = (held.event.data as { object: { id: string; result: { url: string } } }).object;
      const kept = await store.getRun('platform', run.id);
      if (kept && kept.fetch !== 'fetched') {
        await store.updateRun('platform', run.id, { status: 'succeeded', fileUrl: run.result.url }, new Date());
      }
    }
    const third = await runReportsJob(jobDeps);
    expect(third.failures).toEqual([]);
    expect(third.closes[0]).toMatchObject({ state: 'closed' });
    expect(metrics).not.toContain('DayNotClosed');
  });
});

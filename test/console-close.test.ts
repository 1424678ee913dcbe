import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { dayOf } from '../functions/reports/days.js';
import { ReportStore } from '../functions/reports/report-store.js';
import { makeStripe } from '../functions/shared/stripe-sdk.js';
import { consoleHarness, text, type ConsoleHarness } from './support/console.js';
import { keepTodaysReports } from './support/reports.js';
import { seedCashOut, uniqueId } from './support/stripe-events.js';

const KEY = 'sk_test_console_harness';
const ACCOUNT = 'acct_1CloseAda';

let h: ConsoleHarness;
let store: ReportStore;
beforeEach(async () => {
  h = await consoleHarness();
  store = new ReportStore(h.tables.db, h.tables.names.records);
});
afterEach(async () => h.stop());

/** Today's close reports, kept as the gateway keeps them. */
const keepReports = () => keepTodaysReports({ store, standIn: h.standIn, apiKey: KEY });

describe("the console's Close page", () => {
  test("shows the last 30 days with their state, a day's differences linked to the Stripe object, and takes an acknowledgement with a note", async () => {
    const stripe = makeStripe(KEY, h.standIn.url);
    const paid = await stripe.payouts.create({ amount: 2015, currency: 'usd' }, { stripeAccount: ACCOUNT });
    const cashOutId = uniqueId('co');
    await seedCashOut(h.stripe.ledger, { cashOutId, status: 'pending', stripeObjectId: paid.id, accountId: ACCOUNT });
    const rogue = await stripe.payouts.create({ amount: 777, currency: 'usd' }, { stripeAccount: ACCOUNT });
    await keepReports();
    const today = dayOf(Math.floor(Date.now() / 1000));

    const days = await h.get('/close');
    expect(days.status).toBe(200);
    expect((days.body.match(/data-day=/g) ?? []).length).toBe(30);
    expect(days.body).toContain(`data-day="${today}" data-state="open"`);

    const day = await h.get(`/close/${today}`);
    expect(text(day.body)).toContain('in Stripe, unknown to the ledger');
    expect(day.body).toContain(`https://dashboard.stripe.com/${ACCOUNT}/test/payouts/${rogue.id}`);
    expect(text(day.body)).toContain('matched 1');

    const refused = await h.post(`/close/${today}/acknowledge`, { objectId: rogue.id, note: '  ' });
    expect(refused.status).toBe(400);
    const done = await h.post(`/close/${today}/acknowledge`, { objectId: rogue.id, note: 'Treasury made it by hand; recovering it.' });
    expect(done.status).toBe(303);
    const after = await h.get(`/close/${today}`);
    expect(text(after.body)).toContain('Treasury made it by hand; recovering it.');
    expect(await h.get('/close/2026-13-01')).toMatchObject({ status: 400 });
  });
});

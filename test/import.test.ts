import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { IMPORT_EVENT_PREFIX } from '../operator/import/synthetic-event.js';
import { processStripeEvent } from '../functions/stripe-events/process-event.js';
import { parseStripeEvent } from '../functions/stripe-events/event.js';
import type { StripeRecord } from '../functions/stripe-events/record-entries.js';
import { formatImportSummary } from '../operator/import/summary.js';
import { runScript } from './support/commands.js';
import { importHarness, seedHistory, type ImportHarness } from './support/import.js';
import { seedCashOut, stripeEvent, uniqueId } from './support/stripe-events.js';

const DAY = 86_400;
const ACCOUNT = 'acct_1ImportAda';
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** Sixty days back: history no event of Stripe's can bring any more. */
const since = () => Date.now() - 60 * DAY * 1000;

let h: ImportHarness;
beforeEach(async () => {
  h = await importHarness();
});
afterEach(async () => h.stop());

async function records(): Promise<(StripeRecord & { history?: unknown[] })[]> {
  const result = await h.tables.db.send(new ScanCommand({ TableName: h.tables.names.records, ConsistentRead: true }));
  return (result.Items ?? []) as (StripeRecord & { history?: unknown[] })[];
}

describe("importing history past 30 days from Stripe's list APIs", () => {
  test('every list is read past 100 objects; an import stopped by Stripe goes on where it stopped, and nothing is written twice', async () => {
    const start = nowSeconds() - 50 * DAY;
    for (const list of ['payment_intents', 'charges', 'refunds', 'disputes', 'payouts', 'transfers'] as const)
      seedHistory(h.stripe, list, 105, { start });
    // The second page of charges fails, the SDK's retries included.
    h.stripe.failNext({ kind: 'error', status: 500, type: 'api_error' }, { method: 'GET', pathPrefix: '/v1/charges', skip: 1, times: 3 });

    const first = await h.runImport({ since: since(), sourceId: 'platform' });

    expect(first.complete).toBe(false);
    expect(first.lists.find((list) => list.list === 'charges')).toMatchObject({
      listed: 100,
      written: 100,
      state: expect.stringMatching(/^stopped/),
    });
    for (const list of ['payment_intents', 'refunds', 'disputes', 'payouts', 'transfers'])
      expect(first.byList[list]).toEqual({ listed: 105, written: 105, unchanged: 0, skipped: 0 });
    expect(h.stripe.requests.filter((request) => request.path === '/v1/refunds').map((request) => request.params.limit)).toEqual([
      '100',
      '100',
    ]);

    const second = await h.runImport({ since: since(), sourceId: 'platform' });

    expect(second.complete).toBe(true);
    expect(second.lists.find((list) => list.list === 'charges')).toMatchObject({ listed: 5, written: 5, state: 'done' });
    expect(second.lists.filter((list) => list.list !== 'charges').map((list) => list.state)).toEqual(Array(5).fill('done earlier'));
    const kept = await records();
    expect(kept.filter((record) => record.kind === 'transaction')).toHaveLength(210);
    expect(kept.every((record) => record.history === undefined || record.history.length === 1)).toBe(true);

    // Listed all over again, every object is found applied already: not one write.
    const again = await h.runImport({ since: since(), sourceId: 'platform', restart: true });
    expect(again.totals).toEqual({ listed: 630, written: 0, unchanged: 630, skipped: 0 });
    expect(await records()).toEqual(expect.arrayContaining(kept));
  }, 180_000);

  test("a record or a cash-out a newer event moved is not moved back; one no event settled takes Stripe's fact through the same guarded move", async () => {
    const t0 = nowSeconds() - 45 * DAY;
    const [intent] = seedHistory(h.stripe, 'payment_intents', 1, { start: t0, fields: { status: 'processing' } });
    // A real event, newer than the object's creation, authorised the payment.
    const authorised = stripeEvent(
      'payment_intent.amount_capturable_updated',
      { id: intent!.id, status: 'requires_capture', created: t0 },
      { created: t0 + 60, account: undefined },
    );
    await processStripeEvent(parseStripeEvent(authorised), JSON.stringify(authorised), h.deps);
    const paid = uniqueId('co');
    const paidPayout = uniqueId('po');
    await seedCashOut(h.ledger, {
      cashOutId: paid,
      status: 'paid',
      answerStatusCode: 200,
      stripeObjectId: paidPayout,
      accountId: ACCOUNT,
      lastEventCreated: t0 + 100,
    });
    const open = uniqueId('co');
    const openPayout = uniqueId('po');
    await seedCashOut(h.ledger, {
      cashOutId: open,
      status: 'pending',
      answerStatusCode: 200,
      stripeObjectId: openPayout,
      accountId: ACCOUNT,
    });
    seedHistory(h.stripe, 'payouts', 1, {
      start: t0,
      account: ACCOUNT,
      fields: { id: paidPayout, status: 'in_transit', amount: 2015, currency: 'usd', metadata: { cash_out_id: paid } },
    });
    seedHistory(h.stripe, 'payouts', 1, {
      start: t0 + 1,
      account: ACCOUNT,
      fields: { id: openPayout, status: 'paid', amount: 2015, currency: 'usd', metadata: { cash_out_id: open } },
    });
    // A cash-out still being paid belongs to the cash-out handler: the import leaves it alone.
    const paying = uniqueId('co');
    await seedCashOut(h.ledger, { cashOutId: paying, status: 'processing', accountId: ACCOUNT });
    seedHistory(h.stripe, 'payouts', 1, {
      start: t0 + 2,
      account: ACCOUNT,
      fields: { status: 'paid', amount: 2015, currency: 'usd', metadata: { cash_out_id: paying } },
    });

    const summary = await h.runImport({ since: since(), sourceId: 'platform' });

    expect(await h.records.get(String(intent!.id), 'transaction')).toMatchObject({
      status: 'authorization_succeeded',
      lastEventCreated: t0 + 60,
    });
    expect(await h.ledger.get(paid)).toMatchObject({ status: 'paid', lastEventCreated: t0 + 100 });
    expect(await h.ledger.get(open)).toMatchObject({
      status: 'paid',
      lastEventType: 'payout.paid',
      lastEventId: expect.stringMatching(new RegExp(`^${IMPORT_EVENT_PREFIX}`)),
      lastEventCreated: t0 + 1,
    });
    expect(await h.ledger.get(paying)).toMatchObject({ status: 'processing' });
    expect(summary.lists.find((list) => list.account === ACCOUNT)).toMatchObject({ listed: 3, written: 1, unchanged: 1, skipped: 1 });
    expect(summary.problems).toEqual([
      expect.objectContaining({ list: `payouts@${ACCOUNT}`, reason: expect.stringContaining('ledger_item_in_flight') }),
    ]);
    expect(h.metrics).not.toContain('PayoutFailedAfterPaid');
  }, 60_000);

  test('an unfinished import asked for from another day is refused before anything is listed, naming the one to finish', async () => {
    seedHistory(h.stripe, 'refunds', 120, { start: nowSeconds() - 50 * DAY });
    h.stripe.failNext({ kind: 'error', status: 500, type: 'api_error' }, { method: 'GET', pathPrefix: '/v1/refunds', skip: 1, times: 3 });
    expect((await h.runImport({ since: since(), sourceId: 'platform' })).complete).toBe(false);
    const listed = h.stripe.requests.length;

    await expect(h.runImport({ since: since() - 3 * DAY * 1000, sourceId: 'platform' })).rejects.toThrow(
      /import of refunds since .* is unfinished: run it again with that --since/,
    );
    expect(h.stripe.requests.length).toBe(listed);
    expect((await h.runImport({ since: since(), sourceId: 'platform' })).byList.refunds).toEqual({
      listed: 20,
      written: 20,
      unchanged: 0,
      skipped: 0,
    });
  }, 60_000);

  test('a 429 from Stripe is waited out as its Retry-After says, and the import goes on', async () => {
    seedHistory(h.stripe, 'refunds', 5, { start: nowSeconds() - 40 * DAY });
    h.stripe.failNext(
      { kind: 'error', status: 429, type: 'rate_limit_error', headers: { 'Retry-After': '1' } },
      { method: 'GET', pathPrefix: '/v1/refunds' },
    );
    const started = Date.now();

    const summary = await h.runImport({ since: since(), sourceId: 'platform' });

    expect(h.backOffs).toEqual([1000]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(summary.byList.refunds).toEqual({ listed: 5, written: 5, unchanged: 0, skipped: 0 });
    expect(summary.complete).toBe(true);
  }, 30_000);

  test("the summary names each list, each type's counts and the hand-over to catch-up", async () => {
    seedHistory(h.stripe, 'disputes', 3, { start: nowSeconds() - 40 * DAY });
    const summary = await h.runImport({ since: since(), sourceId: 'platform' });
    const text = formatImportSummary(summary);
    expect(text).toContain('platform disputes');
    expect(text).toMatch(/disputes\s+listed 3 · written 3 · unchanged 0 · skipped 0/);
    expect(text).toContain('npm run catch-up -- --since 30d');
  }, 30_000);
});

describe('npm run import', () => {
  test('refuses a mistyped option, an unreadable date and a rate out of range, importing nothing', async () => {
    const typo = await runScript('bin/import.ts', ['--sinse', '400d'], h.env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Unknown option --sinse (did you mean --since?)');
    const date = await runScript('bin/import.ts', ['--since', 'last year'], h.env);
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('--since must be');
    const rate = await runScript('bin/import.ts', ['--since', '400d', '--rate', '0'], h.env);
    expect(rate.code).toBe(2);
    expect(h.stripe.requests).toEqual([]);
  }, 60_000);

  test('imports through the command and prints the summary', async () => {
    seedHistory(h.stripe, 'payouts', 2, { start: nowSeconds() - 40 * DAY });
    const result = await runScript('bin/import.ts', ['--since', '60d', '--source', 'platform'], h.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/payouts\s+listed 2 · written 2/);
  }, 60_000);
});

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReconciledItem } from '../functions/reconcile/decide.js';
import { connectedAccountsWithCashOuts } from '../functions/catch-up/accounts.js';
import { MAX_TYPES_PER_CALL } from '../functions/catch-up/catch-up.js';
import { statusShard } from '../functions/shared/status-index.js';
import { makeCatchUpHandler } from '../functions/catch-up/handler.js';
import { HANDLED_EVENT_TYPES } from '../functions/stripe-events/event.js';
import { directInvocation } from './support/events.js';
import { catchUpHarness, type CatchUpHarness } from './support/catch-up.js';
import { seedCashOut, STRIPE_CONNECT_SECRET, stripeEvent, stripeHarness, uniqueId, type StripeEventJson } from './support/stripe-events.js';

const ACCOUNT = 'acct_1CatchUpAda';
const now = () => Math.floor(Date.now() / 1000);

let h: CatchUpHarness;
beforeEach(async () => {
  h = await catchUpHarness();
});
afterEach(async () => h.stop());

/** A pending cash-out answered 200, paid by a payout on ACCOUNT: what the Village route leaves behind. */
async function pendingCashOut() {
  const cashOutId = uniqueId('co');
  const payoutId = uniqueId('po');
  await seedCashOut(h.ledger, {
    cashOutId,
    status: 'pending',
    answerStatusCode: 200,
    stripeObjectId: payoutId,
    accountId: ACCOUNT,
    lastEventCreated: now() - 600,
  });
  return { cashOutId, payoutId };
}

const eventsRequests = () => h.stripe.requests.filter((request) => request.method === 'GET' && request.path === '/v1/events');
const typesOf = (request: { params: Record<string, unknown> }) => Object.values((request.params.types ?? {}) as Record<string, string>);

/** `n` distinct payment events, created a second apart, held for `apiKey` (the platform's when none). */
function holdPayments(n: number, options: { apiKey?: string; delivered?: boolean } = {}): StripeEventJson[] {
  const start = now() - n - 60;
  return Array.from({ length: n }, (_, index) => {
    const event = stripeEvent('payment_intent.succeeded', { id: uniqueId('pi') }, { created: start + index });
    h.stripe.addEvent(event, options);
    return event;
  });
}

describe("catch-up from Stripe's Events API", () => {
  test("undelivered platform and Connect events are applied exactly once, a payout event moving its cash-out's ledger item", async () => {
    const { cashOutId, payoutId } = await pendingCashOut();
    const payoutPaid = stripeEvent(
      'payout.paid',
      { id: payoutId, metadata: { cash_out_id: cashOutId } },
      { created: now() - 120, account: ACCOUNT },
    );
    const payment = stripeEvent('payment_intent.succeeded', { id: uniqueId('pi') }, { created: now() - 60, account: undefined });
    h.stripe.addEvent(payoutPaid);
    h.stripe.addEvent(payment);
    h.stripe.addEvent(stripeEvent('customer.created', {}, { created: now() - 30, account: undefined })); // not a type the gateway acts on

    const summary = await h.run();

    expect(summary.totals).toEqual({ fetched: 2, alreadyApplied: 0, applied: 2, deferred: 0, failed: 0 });
    expect(summary.lists.map((list) => [list.sourceId, list.account, list.fetched])).toEqual([
      ['platform', undefined, 1],
      ['platform', ACCOUNT, 1],
    ]);
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'paid', lastEventId: payoutPaid.id, lastEventType: 'payout.paid' });
    expect(await h.records.get(String(payment.data.object.id), 'transaction')).toMatchObject({
      status: 'capture_succeeded',
      sourceId: 'platform',
    });
    expect(await h.events.get(payoutPaid.id)).toMatchObject({ sourceId: 'platform', account: ACCOUNT, outcome: 'applied', deliveries: 1 });
    // Only the listed account's events were asked for with Stripe-Account; never more than 20 types per call.
    expect(new Set(eventsRequests().map((request) => request.stripeAccount))).toEqual(new Set([undefined, ACCOUNT]));
    expect(eventsRequests().every((request) => typesOf(request).length <= MAX_TYPES_PER_CALL)).toBe(true);
  });

  test('a second run changes nothing: every event is counted as already applied', async () => {
    const { cashOutId, payoutId } = await pendingCashOut();
    h.stripe.addEvent(
      stripeEvent('payout.paid', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { created: now() - 120, account: ACCOUNT }),
    );
    holdPayments(3);
    await h.run();
    const ledgerBefore = await h.ledger.get(cashOutId);
    const eventsBefore = await h.storedEvents();

    const again = await h.run();

    expect(again.totals).toEqual({ fetched: 4, alreadyApplied: 4, applied: 0, deferred: 0, failed: 0 });
    expect(await h.ledger.get(cashOutId)).toEqual(ledgerBefore);
    expect(await h.storedEvents()).toEqual(expect.arrayContaining(eventsBefore));
    expect((await h.storedEvents()).length).toBe(eventsBefore.length);
  });

  test('an event the webhook already applied is not applied again', async () => {
    const webhook = await stripeHarness({}, h.tables);
    const { cashOutId, payoutId } = await pendingCashOut();
    const paid = stripeEvent(
      'payout.paid',
      { id: payoutId, metadata: { cash_out_id: cashOutId } },
      { created: now() - 120, account: ACCOUNT },
    );
    expect((await webhook.send(paid, { secrets: [STRIPE_CONNECT_SECRET] })).statusCode).toBe(200);
    h.stripe.addEvent(paid, { delivered: true });

    const summary = await h.run();

    expect(summary.totals).toMatchObject({ fetched: 1, alreadyApplied: 1, applied: 0 });
    expect(await h.events.get(paid.id)).toMatchObject({ deliveries: 1 });
  });

  test('every type the gateway acts on is asked for, in calls of at most 20 types', async () => {
    await h.run({ sourceId: 'platform' });

    const calls = eventsRequests().map(typesOf);
    expect(calls.every((types) => types.length > 0 && types.length <= MAX_TYPES_PER_CALL)).toBe(true);
    expect(calls.flat().sort()).toEqual(Object.keys(HANDLED_EVENT_TYPES).sort());
  });

  test('pages past 100 events, each applied once', async () => {
    await h.sources.admin.add('pager', { signingSecret: 'whsec_pager', apiKey: 'rk_test_pager_reads_events' });
    const held = holdPayments(130, { apiKey: 'rk_test_pager_reads_events' });

    const summary = await h.run({ sourceId: 'pager' });

    expect(summary.totals).toEqual({ fetched: 130, alreadyApplied: 0, applied: 130, deferred: 0, failed: 0 });
    expect(eventsRequests().some((request) => typeof request.params.starting_after === 'string')).toBe(true);
    expect(eventsRequests().every((request) => request.params.limit === '100')).toBe(true);
    const stored = await h.storedEvents();
    expect(stored).toHaveLength(130);
    expect(new Set(stored.map((event) => event.eventKey))).toEqual(new Set(held.map((event) => `stripe:pager:${event.id}`)));
  });

  test('the API failing mid-run leaves nothing half-applied, and the next run completes', async () => {
    await h.sources.admin.add('flaky', { signingSecret: 'whsec_flaky', apiKey: 'rk_test_flaky_reads_events' });
    holdPayments(150, { apiKey: 'rk_test_flaky_reads_events' });
    // The first types batch (one page, nothing in it) and the first page of payments go through; the second page fails.
    h.stripe.failNext({ kind: 'error', status: 500, type: 'api_error' }, { method: 'GET', pathPrefix: '/v1/events', skip: 2 });

    const failed = await h.run({ sourceId: 'flaky' });

    expect(failed.totals).toMatchObject({ applied: 0, failed: 1 });
    expect(failed.failures).toEqual([
      expect.objectContaining({ sourceId: 'flaky', reason: expect.stringContaining('listing events failed') }),
    ]);
    expect(await h.storedEvents()).toEqual([]);

    const next = await h.run({ sourceId: 'flaky' });

    expect(next.totals).toEqual({ fetched: 150, alreadyApplied: 0, applied: 150, deferred: 0, failed: 0 });
  });

  test("a connected account whose list fails does not hold back the platform's own events", async () => {
    const { cashOutId, payoutId } = await pendingCashOut();
    h.stripe.addEvent(
      stripeEvent('payout.paid', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { created: now() - 120, account: ACCOUNT }),
    );
    holdPayments(2);
    // The platform's three calls go through; the account's first fails (a reset, twice: the SDK retries one by itself).
    h.stripe.failNext({ kind: 'reset' }, { method: 'GET', pathPrefix: '/v1/events', skip: 3, times: 2 });

    const summary = await h.run();

    expect(summary.totals).toMatchObject({ applied: 2, failed: 1 });
    expect(summary.failures).toEqual([expect.objectContaining({ account: ACCOUNT })]);
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'pending' });
    expect((await h.run()).totals).toMatchObject({ applied: 1, alreadyApplied: 2, failed: 0 });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'paid' });
  });

  test('merchant sources are listed with their own keys and applied under their own ids; one without a key, or disabled, is skipped', async () => {
    await h.sources.admin.add('keyed', { signingSecret: 'whsec_keyed', apiKey: 'rk_test_keyed_reads_events' });
    await h.sources.admin.add('keyless', { signingSecret: 'whsec_keyless' });
    await h.sources.admin.add('paused', { signingSecret: 'whsec_paused', apiKey: 'rk_test_paused_reads_events' });
    await h.sources.admin.setStatus('paused', 'disabled');
    const [merchant] = holdPayments(1, { apiKey: 'rk_test_keyed_reads_events' });
    holdPayments(1, { apiKey: 'rk_test_paused_reads_events' });
    const [platform] = holdPayments(1);

    const summary = await h.run();

    expect(summary.lists.map((list) => [list.sourceId, list.fetched, list.skipped])).toEqual([
      ['platform', 1, undefined],
      ['keyed', 1, undefined],
      ['keyless', 0, expect.stringContaining('no API key')],
      ['paused', 0, 'disabled'],
    ]);
    expect(await h.kept(merchant!, 'keyed')).toMatchObject({ sourceId: 'keyed' });
    expect(await h.records.forSource('keyed').get(String(merchant!.data.object.id), 'transaction')).toMatchObject({ sourceId: 'keyed' });
    expect(await h.kept(platform!)).toMatchObject({ sourceId: 'platform' });
    await expect(h.run({ sourceId: 'paused' })).rejects.toThrow(/cannot be caught up: disabled/);
    await expect(h.run({ sourceId: 'nobody' })).rejects.toThrow(/No source nobody/);
  });

  test("asking for more than Stripe's 30 days lists from 30 days ago and says so", async () => {
    const summary = await h.run({ since: Date.now() - 45 * 86_400_000 });

    expect(summary.requestedSince).toEqual(expect.any(String));
    const listedFrom = Number((eventsRequests()[0]!.params.created as Record<string, string>).gte);
    expect(Math.abs(listedFrom - (now() - 30 * 86_400))).toBeLessThan(60);
    expect(Date.parse(summary.since) / 1000).toBeCloseTo(listedFrom, -1);
  });

  test('a long import can be taken in slices: --until lists only what was created before it', async () => {
    for (const hoursAgo of [3, 2, 0.5])
      h.stripe.addEvent(
        stripeEvent('payment_intent.succeeded', { id: uniqueId('pi') }, { created: now() - hoursAgo * 3600, account: undefined }),
      );
    const hour = 3_600_000;

    const older = await h.run({ since: Date.now() - 4 * hour, until: Date.now() - hour, sourceId: 'platform' });
    const newer = await h.run({ since: Date.now() - hour, sourceId: 'platform' });

    expect(older.totals).toMatchObject({ fetched: 2, applied: 2 });
    expect(older.until).toEqual(expect.any(String));
    expect(newer.totals).toMatchObject({ fetched: 1, applied: 1 });
  });

  test('a PayoutFailedAfterPaid found by catch-up is counted as the webhook counts it', async () => {
    const { cashOutId, payoutId } = await pendingCashOut();
    h.stripe.addEvent(
      stripeEvent('payout.failed', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { created: now() - 60, account: ACCOUNT }),
    );

    await h.run();

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'failed', failedAfterPaid: true });
    expect(h.metrics).toContain('PayoutFailedAfterPaid');
  });
});

describe('the connected accounts catch-up lists', () => {
  const item = (cashOutId: string, fields: Partial<ReconciledItem>): ReconciledItem => ({
    cashOutId,
    status: 'paid',
    mode: 'payout',
    destinationEmail: 'a@example.com',
    amount: '1.00',
    currency: 'USD',
    amountMinor: 100,
    fingerprint: 'f',
    stripeIdempotencyKey: `village-cash-out:${cashOutId}`,
    attemptId: 'a',
    attempts: 1,
    leaseExpiresAt: 0,
    createdAt: fields.updatedAt ?? '',
    updatedAt: '',
    payload: '{}',
    ...fields,
    // Written with the status, as every ledger writer does: the index by status is sharded.
    statusShard: statusShard(cashOutId, fields.status ?? 'paid'),
  });
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

  test('are those with a payout-mode cash-out still open, or updated since the window began (less a week for late failures)', async () => {
    const items = [
      item('co_open_old', { status: 'in_transit', accountId: 'acct_1OpenOld', updatedAt: daysAgo(40) }),
      item('co_paid_recent', { status: 'paid', accountId: 'acct_1PaidRecent', updatedAt: daysAgo(5) }),
      item('co_paid_old', { status: 'paid', accountId: 'acct_1PaidOld', updatedAt: daysAgo(20) }),
      item('co_transfer', { status: 'pending', mode: 'transfer', accountId: 'acct_1Transfer', updatedAt: daysAgo(1) }),
      item('co_rejected', { status: 'rejected', updatedAt: daysAgo(1) }),
    ];
    for (const each of items) await h.tables.db.send(new PutCommand({ TableName: h.tables.names.ledger, Item: each }));

    expect(await connectedAccountsWithCashOuts(h.tables.db, h.tables.names.ledger, now() - 3 * 86_400)).toEqual([
      'acct_1OpenOld',
      'acct_1PaidRecent',
    ]);
  });
});

describe('the scheduled job', () => {
  test('a scheduled run covers its window; a run by hand may name a source and a since; a bad one is refused', async () => {
    const counted: string[] = [];
    const handler = makeCatchUpHandler({
      ...h.deps,
      windowHours: 72,
      onSummary: (summary) => counted.push(`failed=${summary.totals.failed}`),
    });
    holdPayments(1);

    const scheduled = await handler({ id: 'scheduled-event' }, directInvocation);
    expect(Date.now() - Date.parse(scheduled.since)).toBeGreaterThanOrEqual(72 * 3_600_000);
    expect(scheduled.totals.applied).toBe(1);
    expect((await handler({ since: '30d', sourceId: 'platform' }, directInvocation)).totals).toMatchObject({ alreadyApplied: 1 });
    await expect(handler({ since: 'yesterday' }, directInvocation)).rejects.toThrow(/since/);
    await expect(handler({ sourceId: '../etc' }, directInvocation)).rejects.toThrow(/sourceId/);
    expect(counted).toEqual(['failed=0', 'failed=0']);
  });
});

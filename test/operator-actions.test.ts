import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { acknowledge } from '../operator/acknowledge.js';
import type { OperatorCashOut } from '../operator/attention.js';
import { CashOutReads } from '../operator/cash-outs.js';
import { replayEvent, replayMatching } from '../operator/replay.js';
import { cashOutSubject } from '../functions/shared/history.js';
import { eventSubject } from '../operator/replay.js';
import { makeStripe } from '../functions/shared/stripe-sdk.js';
import { eventKey } from '../functions/stripe-events/event-store.js';
import { ledgerItem, putLedgerItem, unknownLedgerItem } from './support/ledger-items.js';
import { cashOutInFlight, unappliedJustWalletPayout, type CashOutInFlight } from './support/operator.js';
import { consoleHarness, OPERATOR_ARN, text, type ConsoleHarness } from './support/console.js';
import { justWalletEvent } from './support/just-wallet.js';
import { stripeEvent, uniqueId } from './support/stripe-events.js';

const MINUTE = 60_000;
let h: ConsoleHarness;
const iso = (ms: number) => new Date(ms).toISOString();

const put = (item: OperatorCashOut) => putLedgerItem(h.tables, item);
const ledger = (cashOutId: string) => h.deps.cashOuts.get(cashOutId);

/** Its payout.paid, delivered while the cash-out is still being paid: deferred (503), kept for a replay. */
async function deferredPayoutEvent(flight: CashOutInFlight): Promise<string> {
  const answer = await h.stripe.send(flight.payoutPaid);
  expect(answer).toMatchObject({ statusCode: 503, body: { error: 'ledger_item_in_flight' } });
  return eventKey(flight.payoutPaid.id);
}

beforeAll(async () => {
  h = await consoleHarness();
});
afterAll(() => h.stop());

describe('acknowledging a cash-out that needs an operator', () => {
  test('records who, when and the note in the history table and on the item, and takes it out of the attention queue', async () => {
    await put(
      ledgerItem('co_ack', {
        needsOperator: true,
        operatorReason: 'payout_in_transit_cannot_be_canceled',
        answer: { statusCode: 500, body: {} },
      }),
    );
    const before = (await ledger('co_ack'))!;
    const started = Date.now();
    const response = await h.post('/cash-outs/co_ack/acknowledge', {
      seen: before.updatedAt,
      note: 'Called Ada; the payout lands Friday. Told Village support.',
    });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/cash-outs/co_ack?acknowledged=1');

    const [entry] = await h.deps.history.list(cashOutSubject('co_ack'));
    expect(entry).toMatchObject({
      who: OPERATOR_ARN,
      action: 'acknowledge',
      note: 'Called Ada; the payout lands Friday. Told Village support.',
      cashOutId: 'co_ack',
      outcome: 'acknowledged',
    });
    expect(Date.parse(entry!.at)).toBeGreaterThanOrEqual(started - 1000);
    const after = (await ledger('co_ack'))!;
    expect(after.acknowledged).toMatchObject({ by: OPERATOR_ARN, reasons: ['needs_operator'], note: entry!.note });
    // Nothing the money code reads has moved.
    expect({ ...after, acknowledged: undefined }).toEqual({ ...before, acknowledged: undefined });

    const home = await h.get('/');
    const attention = home.body.slice(home.body.indexOf('id="attention"'), home.body.indexOf('<details>'));
    expect(attention).not.toContain('data-cash-out="co_ack"');
    const page = await h.get('/cash-outs/co_ack?acknowledged=1');
    expect(text(page.body)).toContain('Called Ada; the payout lands Friday.');
    expect(text(page.body)).toContain(OPERATOR_ARN);
  });

  test('needs a note, and a cash-out that needs nothing is not acknowledged; either way nothing is written', async () => {
    await put(ledgerItem('co_fine', { status: 'paid' }));
    await put(ledgerItem('co_unknown', { status: 'unknown', answer: { statusCode: 500, body: {} } }));
    const before = await h.snapshot();
    const blank = await h.post('/cash-outs/co_unknown/acknowledge', { note: '   ' });
    expect(blank.status).toBe(400);
    expect(text(blank.body)).toContain('Write a note');
    const fine = await h.post('/cash-outs/co_fine/acknowledge', { seen: (await ledger('co_fine'))!.updatedAt, note: 'all good' });
    expect(fine.status).toBe(409);
    expect(text(fine.body)).toContain('needs no attention');
    expect((await h.post('/cash-outs/co_missing/acknowledge', { seen: iso(Date.now()), note: 'x' })).status).toBe(404);
    expect(await h.snapshot()).toEqual(before);
  });

  test('covers the reasons it saw: a new one puts the cash-out back in the queue', async () => {
    await put(ledgerItem('co_twice', { needsOperator: true, answer: { statusCode: 500, body: {} } }));
    await acknowledge('co_twice', 'looking into it', h.deps);
    let queue = await h.deps.cashOuts.attention(Date.now(), 86_400_000);
    expect(queue.open.map((item) => item.cashOutId)).not.toContain('co_twice');
    await h.tables.db.send(
      new UpdateCommand({
        TableName: h.tables.names.ledger,
        Key: { cashOutId: 'co_twice' },
        UpdateExpression: 'SET needsCompensation = :t, updatedAt = :now',
        ExpressionAttributeValues: { ':t': true, ':now': iso(Date.now()) },
      }),
    );
    queue = await h.deps.cashOuts.attention(Date.now(), 86_400_000);
    expect(queue.open.map((item) => item.cashOutId)).toContain('co_twice');
  });

  test('refuses, writing nothing, when the cash-out changed after the operator looked', async () => {
    await put(ledgerItem('co_moving', { status: 'unknown', answer: { statusCode: 500, body: {} } }));
    const seen = (await ledger('co_moving'))!;
    await h.tables.db.send(
      new UpdateCommand({
        TableName: h.tables.names.ledger,
        Key: { cashOutId: 'co_moving' },
        UpdateExpression: 'SET updatedAt = :now',
        ExpressionAttributeValues: { ':now': iso(Date.now()) },
      }),
    );
    class StaleReads extends CashOutReads {
      override async get(): Promise<OperatorCashOut> {
        return seen;
      }
    }
    const before = await h.snapshot();
    await expect(
      acknowledge('co_moving', 'x', { ...h.deps, cashOuts: new StaleReads(h.tables.db, h.tables.names.ledger) }),
    ).rejects.toMatchObject({ statusCode: 409, reason: 'cash_out_changed' });
    expect(await h.snapshot()).toEqual(before);
  });
});

describe('replaying an event', () => {
  test('applies a deferred Stripe event through the route code, shows the result, and records it; a dry run first changes nothing', async () => {
    const flight = await cashOutInFlight(h.stripe.ledger);
    const key = await deferredPayoutEvent(flight);
    await flight.finish();

    const before = await h.snapshot();
    const preview = await h.post(`/events/${encodeURIComponent(key)}/replay`, { dryRun: '1' });
    expect(preview.status).toBe(200);
    expect(text(preview.body)).toContain(`applied would change ledger ${flight.cashOutId}: pending → paid`);
    expect(await h.snapshot()).toEqual(before);

    const replay = await h.post(`/events/${encodeURIComponent(key)}/replay`, { dryRun: '0', note: 'after the fix' });
    expect(text(replay.body)).toContain(`applied changed ledger ${flight.cashOutId}: pending → paid`);
    // The route's own writes: status, and which event set it.
    expect(await ledger(flight.cashOutId)).toMatchObject({
      status: 'paid',
      lastEventId: key.slice('stripe:'.length),
      lastEventType: 'payout.paid',
    });
    expect(await h.deps.events.get(key)).toMatchObject({ outcome: 'applied', replays: 1, replayOutcome: 'applied' });
    expect((await h.deps.events.get(key))!.appliedAt).toBeDefined();
    expect(await h.deps.history.list(eventSubject(key))).toEqual([
      expect.objectContaining({ who: OPERATOR_ARN, action: 'replay', outcome: 'applied', note: 'after the fix' }),
    ]);

    // Again: the ordering rules make it a no-op, and say so.
    const again = await replayEvent(key, h.deps.replay, { dryRun: false });
    expect(again).toMatchObject({ changed: false });
    expect((await ledger(flight.cashOutId))!.status).toBe('paid');
  });

  test('applies a Just Wallet event whose delivery stopped before applying it', async () => {
    const body = justWalletEvent('payout', { status: 'processing' });
    // Stored by the delivery's first write; it stopped before the record.
    const key = await unappliedJustWalletPayout(h.tables, body);
    const result = await replayEvent(key, h.deps.replay, { dryRun: false });
    expect(result).toMatchObject({ outcome: 'applied', changed: true });
    expect(await h.deps.records.get(body.data.id as string, 'just_wallet_payout')).toMatchObject({
      status: 'processing',
      amount: '250.00',
    });
    expect(await h.deps.events.get(key)).toMatchObject({ outcome: 'applied', replays: 1 });
    expect((await replayEvent(key, h.deps.replay, { dryRun: false })).outcome).toBe('duplicate');
  });

  test('in bulk by filter: a dry run changes nothing and shows what would change; the replay then applies each, oldest first', async () => {
    const flights = [
      await cashOutInFlight(h.stripe.ledger),
      await cashOutInFlight(h.stripe.ledger),
      await cashOutInFlight(h.stripe.ledger),
    ];
    const keys: string[] = [];
    for (const flight of flights) keys.push(await deferredPayoutEvent(flight));
    for (const flight of flights) await flight.finish();
    await h.stripe.send(stripeEvent('customer.created'));

    const before = await h.snapshot();
    const preview = await h.post('/events/replay', { provider: 'stripe', outcome: 'unapplied', type: 'payout.', from: '1h', dryRun: '1' });
    expect(preview.status).toBe(200);
    expect(await h.snapshot()).toEqual(before);
    const rows = [...preview.body.matchAll(/<tr data-event="([^"]+)">/g)].map((match) => match[1]);
    expect(rows).toEqual(keys);
    expect(text(preview.body)).toContain('3 events looked at, oldest first; 3 would change something');
    for (const flight of flights) expect((await ledger(flight.cashOutId))!.status).toBe('pending');

    // The form on the preview carries the same filter and a fixed window.
    const form = preview.body.slice(preview.body.indexOf('id="bulk-apply"'));
    const fields = Object.fromEntries(
      [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [match[1]!, match[2]!]),
    );
    expect(fields).toMatchObject({ provider: 'stripe', outcome: 'unapplied', type: 'payout.', dryRun: '0' });
    expect(fields.to).toMatch(/^\d{4}-/);
    const done = await h.post('/events/replay', { ...fields, note: 'recovering the window' });
    expect(text(done.body)).toContain('3 events replayed, oldest first; 3 changed something');
    for (const flight of flights) expect((await ledger(flight.cashOutId))!.status).toBe('paid');
    for (const key of keys)
      expect((await h.deps.history.list(eventSubject(key)))[0]).toMatchObject({ note: 'recovering the window', who: OPERATOR_ARN });
  });

  test('in bulk needs a window, and refuses more events than its limit (a dry run shows the first ones)', async () => {
    await expect(replayMatching({ provider: 'stripe' }, h.deps.replay, { dryRun: true, limit: 10 })).rejects.toMatchObject({
      reason: 'window_required',
    });
    const filter = { provider: 'stripe' as const, type: 'customer.created', from: iso(Date.now() - 3_600_000) };
    for (let index = 0; index < 3; index += 1) await h.stripe.send(stripeEvent('customer.created'));
    const before = await h.snapshot();
    await expect(replayMatching(filter, h.deps.replay, { dryRun: false, limit: 2 })).rejects.toMatchObject({
      statusCode: 409,
      reason: 'too_many_events',
    });
    const dry = await replayMatching(filter, h.deps.replay, { dryRun: true, limit: 2 });
    expect(dry).toMatchObject({ tooMany: true });
    expect(dry.results).toHaveLength(2);
    expect(await h.snapshot()).toEqual(before);
  });
});

describe('reconciling one cash-out now', () => {
  test('shows the decision first, doing nothing at Stripe or in the ledger; acts on it only when confirmed, and records it', async () => {
    const cashOutId = uniqueId('co');
    const stripe = makeStripe('sk_test_console_harness', h.standIn.url);
    const payout = await stripe.payouts.create(
      { amount: 2015, currency: 'usd', metadata: { cash_out_id: cashOutId } },
      { stripeAccount: 'acct_1Ada' },
    );
    // Village was told it failed (the Stripe answer never came), yet the payout exists: it must be taken back.
    await put(unknownLedgerItem(cashOutId, 9 * MINUTE));

    const before = await h.snapshot();
    const preview = await h.post(`/cash-outs/${cashOutId}/reconcile`, { step: 'preview' });
    expect(preview.status).toBe(200);
    expect(text(preview.body)).toContain(`would cancel the payout at Stripe (${payout.id}): Village was not told it was paid`);
    expect(await h.snapshot()).toEqual(before);
    expect((await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: 'acct_1Ada' })).status).toBe('pending');

    const expected = /name="expected" value="([^"]+)"/.exec(preview.body)![1]!.replaceAll('&#39;', "'");
    const done = await h.post(`/cash-outs/${cashOutId}/reconcile`, { step: 'apply', expected, note: 'Village says the user was refunded' });
    expect(done.status).toBe(200);
    expect(text(done.body)).toContain('Done: compensated');
    expect(await ledger(cashOutId)).toMatchObject({ status: 'canceled', compensation: 'payout_canceled' });
    expect((await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: 'acct_1Ada' })).status).toBe('canceled');
    expect(await h.deps.history.list(cashOutSubject(cashOutId))).toEqual([
      expect.objectContaining({
        who: OPERATOR_ARN,
        action: 'reconcile',
        outcome: 'compensated',
        note: 'Village says the user was refunded',
      }),
    ]);
    expect(text((await h.get(`/cash-outs/${cashOutId}`)).body)).toContain('Village says the user was refunded');
  });

  test('does nothing when the decision is no longer the one shown', async () => {
    const cashOutId = uniqueId('co');
    await put(unknownLedgerItem(cashOutId, 25 * 3_600_000));
    const before = await h.snapshot();
    const stale = await h.post(`/cash-outs/${cashOutId}/reconcile`, { step: 'apply', expected: 'planned|operator:something_else||' });
    expect(stale.status).toBe(409);
    expect(text(stale.body)).toContain('The decision changed since you looked; nothing was done');
    expect(text(stale.body)).toContain('would record unknown → rejected (no_payout_found)');
    expect(await h.snapshot()).toEqual(before);
  });
});

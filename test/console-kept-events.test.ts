import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { replayEvent } from '../operator/replay.js';
import { eventSubject } from '../operator/replay.js';
import { consoleHarness, text, type ConsoleHarness } from './support/console.js';
import { justWalletEvent } from './support/just-wallet.js';
import { deliverJustWallet } from './support/operator.js';
import { stripeEvent, uniqueId } from './support/stripe-events.js';

/**
 * Events kept in the records they moved (one write per event) are still the console's: listed
 * by time with the events table's, paged without repeats, found by the provider's event id and
 * by object, shown with their raw body, and replayed.
 */
let h: ConsoleHarness;
const keys = (body: string) => [...body.matchAll(/data-event="([^"]+)"/g)].map((match) => match[1]!);
const nextPath = (body: string) => /<a href="([^"]+)" rel="next">/.exec(body)?.[1]?.replaceAll('&amp;', '&');
let walletKeys: string[];
const paymentId = uniqueId('pi');
const payments = [
  stripeEvent('payment_intent.processing', { id: paymentId }, { created: 1_700_000_000 }),
  stripeEvent('payment_intent.succeeded', { id: paymentId }, { created: 1_700_000_100 }),
];

beforeAll(async () => {
  h = await consoleHarness();
  walletKeys = [];
  for (let n = 0; n < 30; n += 1)
    walletKeys.push((await deliverJustWallet(h.tables, justWalletEvent('payout', { status: 'pending' }))).eventKey);
  // Both events of one payment land in its one record.
  for (const event of payments) expect((await h.stripe.send(event)).body).toMatchObject({ outcome: 'applied' });
  await h.stripe.send(stripeEvent('customer.created'));
});
afterAll(() => h.stop());

describe('events kept in records, in the console', () => {
  test('are listed newest first with the events table’s, paged without repeats or gaps', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/events?provider=just-wallet';
    while (path) {
      const page = await h.get(path);
      expect(page.status).toBe(200);
      seen.push(...keys(page.body));
      path = nextPath(page.body);
    }
    expect(seen).toHaveLength(30);
    expect(new Set(seen)).toEqual(new Set(walletKeys));
    expect(seen).toEqual([...walletKeys].reverse());

    const stripeKeys = keys((await h.get('/events?provider=stripe')).body);
    expect(stripeKeys.slice(1)).toEqual(payments.map((event) => `stripe:${event.id}`).reverse());
    expect(keys((await h.get('/events?provider=stripe&outcome=ignored')).body)).toHaveLength(1);
    expect(keys((await h.get('/events?provider=stripe&type=payment_intent.succeeded')).body)).toEqual([`stripe:${payments[1]!.id}`]);
    expect(keys((await h.get('/events?outcome=unapplied')).body)).toEqual([]);
  });

  test('are found by the provider’s event id, and by their object', async () => {
    const [processing] = payments;
    const byId = await h.get(`/events?q=${processing!.id}`);
    expect(byId.status).toBe(303);
    expect(byId.headers.location).toBe(`/events/${encodeURIComponent(`stripe:${processing!.id}`)}`);
    expect(keys((await h.get(`/events?q=${paymentId}`)).body)).toEqual(payments.map((event) => `stripe:${event.id}`));
  });

  test('show their raw body and where they are kept; the list links to the record', async () => {
    const list = (await h.get('/events?provider=stripe')).body;
    expect(list).toContain(`?record=${encodeURIComponent(`transaction/${paymentId}`)}`);
    const page = await h.get(
      `/events/${encodeURIComponent(`stripe:${payments[1]!.id}`)}?record=${encodeURIComponent(`transaction/${paymentId}`)}`,
    );
    expect(page.status).toBe(200);
    expect(text(page.body)).toContain(`Kept in ${paymentId} (its history)`);
    expect(text(page.body)).toContain('"type": "payment_intent.succeeded"');
    expect((await h.get(`/events/x?record=nonsense`)).status).toBe(400);
  });

  test('the record’s page names each event of its history (read from its body), without the packed bodies', async () => {
    const page = text((await h.get(`/records/transaction/${paymentId}`)).body);
    for (const event of payments) {
      expect(page).toContain(`"eventKey": "stripe:${event.id}"`);
      expect(page).toContain(`"type": "${event.type}"`);
      expect(page).toContain(`"created": ${event.created}`);
    }
    expect(page).toContain('"outcome": "applied"');
    expect(page).not.toMatch(/"body": \{/);
  });

  test('are replayed through the route’s apply code: the ordering rules decide, and the replay is recorded', async () => {
    const key = `stripe:${payments[0]!.id}`;
    const path = `/events/${encodeURIComponent(key)}/replay?record=${encodeURIComponent(`transaction/${paymentId}`)}`;
    const preview = await h.post(path, { dryRun: '1' });
    expect(preview.status).toBe(200);
    expect(text(preview.body)).toContain('would change nothing');

    const replayed = await h.post(path, { dryRun: '0' });
    expect(text(replayed.body)).toMatch(/stale nothing changed/);
    expect(await h.deps.records.get(paymentId, 'transaction')).toMatchObject({ status: 'capture_succeeded' });
    expect(await h.deps.history.list(eventSubject(key))).toEqual([expect.objectContaining({ action: 'replay', outcome: 'stale' })]);

    const wallet = await h.post(`/events/${encodeURIComponent(walletKeys[0]!)}/replay`, { dryRun: '0' });
    expect(text(wallet.body)).toMatch(/duplicate nothing changed/);
  });

  test('the latest event a Stripe record keeps, replayed or previewed, changes nothing (the record’s own checks decide)', async () => {
    const key = `stripe:${payments[1]!.id}`;
    const record = { id: paymentId, kind: 'transaction' };
    const before = await h.deps.records.get(paymentId, 'transaction');
    expect(await replayEvent(key, h.deps.replay, { dryRun: true, record })).toMatchObject({ changed: false });
    expect(await replayEvent(key, h.deps.replay, { dryRun: false, record })).toMatchObject({ changed: false });
    // The same state is written again (only `updatedAt` moves): the ordering rules, not a duplicate check, make it harmless.
    const { updatedAt: _after, ...after } = (await h.deps.records.get(paymentId, 'transaction'))!;
    const { updatedAt: _before, ...then } = before!;
    expect(after).toEqual(then);
  });
});

/**
 * The operator console and its commands, attacked: forged writes, money moved twice or on the
 * wrong record, dry runs that write, secrets shown, bad input that crashes. Each test here
 * failed before the fix beside it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { replayEvent } from '../functions/operator/replay.js';
import { eventKey, StripeEventStore, type NewStripeEvent } from '../functions/stripe-events/event-store.js';
import { consoleHarness, type ConsoleHarness } from './support/console.js';
import { stripeEvent, uniqueId } from './support/stripe-events.js';

let h: ConsoleHarness;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  h = await consoleHarness();
});
afterAll(() => h.stop());

/** A Stripe event as the route stores it, for `sourceId`. */
function storedFields(event: ReturnType<typeof stripeEvent>): NewStripeEvent {
  return {
    provider: 'stripe', eventId: event.id, type: event.type, account: event.account, livemode: Boolean(event.livemode), created: event.created,
    objectId: event.data.object.id as string, receivedAt: iso(Date.now()), payload: JSON.stringify(event), expiresAt: Math.floor(Date.now() / 1000) + 86_400,
  };
}

describe('replay stays on the event it was asked about', () => {
  test("a merchant source's event is held and marked as its own, never as the platform's event of the same id", async () => {
    const merchant = new StripeEventStore(h.tables.db, h.tables.names.events, 'acme-shop');
    const platform = new StripeEventStore(h.tables.db, h.tables.names.events);
    const payout = stripeEvent('payout.paid', { id: uniqueId('po') }, { account: 'acct_1Acme' });
    await merchant.claim(storedFields(payout), 'delivery-1', Date.now(), 30_000);
    await merchant.markApplied(payout.id, 'delivery-1', 'applied', undefined, new Date());

    // Only the merchant has it: the replay applies it (it used to hold `stripe:<id>`, the platform's key, and find nothing).
    const first = await replayEvent(eventKey(payout.id, 'acme-shop'), h.deps.replay, { dryRun: false });
    expect(first.outcome).not.toBe('in_flight');
    expect(await merchant.get(payout.id)).toMatchObject({ replays: 1 });
    expect(await platform.get(payout.id)).toBeUndefined();

    // The platform has an event of the same id, held by a delivery right now: the merchant's replay neither waits on it nor takes it over.
    await platform.claim(storedFields(payout), 'platform-delivery', Date.now(), 60_000);
    const second = await replayEvent(eventKey(payout.id, 'acme-shop'), h.deps.replay, { dryRun: false });
    expect(second.outcome).not.toBe('in_flight');
    expect(await merchant.get(payout.id)).toMatchObject({ replays: 2 });
    expect(await platform.get(payout.id)).toMatchObject({ claimToken: 'platform-delivery', deliveries: 1 });
    expect((await platform.get(payout.id))!.replays).toBeUndefined();
  });
});

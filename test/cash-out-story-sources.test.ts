import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cashOutStory } from '../operator/story.js';
import { StripeEventStore, type NewStripeEvent } from '../functions/stripe-events/event-store.js';
import { consoleHarness, text, type ConsoleHarness } from './support/console.js';
import { ledgerItem, putLedgerItem } from './support/ledger-items.js';
import { stripeEvent, uniqueId } from './support/stripe-events.js';

let h: ConsoleHarness;
// Now: events past their expiry are not shown.
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  h = await consoleHarness({ clock: { now: () => NOW } });
});
afterAll(() => h.stop());

/** A Stripe event as the route keeps it. */
const stored = (event: ReturnType<typeof stripeEvent>): NewStripeEvent => ({
  provider: 'stripe',
  eventId: event.id,
  type: event.type,
  account: event.account,
  livemode: false,
  created: event.created,
  objectId: event.data.object.id as string,
  receivedAt: iso(NOW),
  payload: JSON.stringify(event),
  expiresAt: Math.floor(NOW / 1000) + 86_400,
});

describe("a platform cash-out's story", () => {
  test("leaves out a merchant source's event that names the platform payout's id, and keeps the platform's own", async () => {
    const cashOutId = uniqueId('co');
    const payoutId = uniqueId('po');
    await putLedgerItem(
      h.tables,
      ledgerItem(cashOutId, {
        status: 'paid',
        createdAt: iso(NOW - 600_000),
        updatedAt: iso(NOW - 60_000),
        stripeObjectId: payoutId,
        stripeObjectType: 'payout',
      }),
    );
    const own = stripeEvent('payout.paid', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { account: 'acct_1Ada' });
    // Another account (a merchant source) has a payout of the same id: its event is about that account's payout.
    const merchants = stripeEvent('payout.failed', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { account: 'acct_1Acme' });
    for (const [store, event] of [
      [new StripeEventStore(h.tables.db, h.tables.names.events), own],
      [new StripeEventStore(h.tables.db, h.tables.names.events, 'acme-shop'), merchants],
    ] as const) {
      await store.claim(stored(event), 'delivery-1', NOW, 30_000);
      await store.markApplied(event.id, 'delivery-1', 'applied', undefined, new Date(NOW));
    }

    const story = await cashOutStory(cashOutId, h.deps);
    expect(story!.events.map((event) => event.eventId)).toEqual([own.id]);
    const page = text((await h.get(`/cash-outs/${cashOutId}`)).body);
    expect(page).toContain('payout.paid');
    expect(page).not.toContain('payout.failed');
    expect(page).not.toContain(merchants.id);
  });
});

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { reconcileOne } from '../functions/reconcile/reconcile.js';
import { replayEvent } from '../operator/replay.js';
import { eventKey } from '../functions/stripe-events/event-store.js';
import { LimitUsage } from '../functions/shared/usage.js';
import { systemClock } from '../functions/shared/clock.js';
import { consoleHarness, type ConsoleHarness } from './support/console.js';
import { seedCashOut, stripeEvent, uniqueId } from './support/stripe-events.js';

/**
 * A cash-out settled as not paid gives back what it took of the limits, whoever settles it: an
 * operator's replay of its payout.failed, or an operator's reconcile of it, as much as the
 * Stripe route or the reconciliation job.
 */
let h: ConsoleHarness;
let usage: LimitUsage;
beforeAll(async () => {
  h = await consoleHarness();
  usage = new LimitUsage(h.tables.db, h.tables.names.usage, systemClock);
});
afterAll(() => h.stop());

const ACCOUNT = 'acct_1LocalSampleAda';
const reserve = (cashOutId: string) =>
  usage.reserve(
    { cashOutId, accountId: ACCOUNT, currency: 'USD', amountMinor: 2015, perRecipientDay: 2_500_000, perDay: 25_000_000 },
    Date.now() + 5_000,
  );

describe('an operator settling a cash-out as not paid', () => {
  test("replaying a payout.failed that was deferred while the cash-out was paid gives back the cash-out's limits", async () => {
    const cashOutId = uniqueId('co');
    const payoutId = uniqueId('po');
    await seedCashOut(h.stripe.ledger, { cashOutId, status: 'processing', accountId: ACCOUNT });
    await reserve(cashOutId);
    const event = stripeEvent(
      'payout.failed',
      { id: payoutId, status: 'failed', amount: 2015, currency: 'usd', metadata: { cash_out_id: cashOutId } },
      { account: ACCOUNT },
    );
    expect(await h.stripe.send(event)).toMatchObject({ statusCode: 503, body: { error: 'ledger_item_in_flight' } });
    await h.stripe.ledger.update(
      cashOutId,
      `attempt-${cashOutId}`,
      { status: 'pending', stripeObjectId: payoutId, stripeObjectType: 'payout', answer: { statusCode: 200, body: { cashOutId } } },
      new Date(),
    );

    await replayEvent(eventKey(event.id), h.deps.replay, { dryRun: false });

    expect(await h.deps.cashOuts.get(cashOutId)).toMatchObject({ status: 'failed' });
    expect(await usage.reservation(cashOutId)).toMatchObject({ releasedAt: expect.any(String) });
  });

  test("reconciling now a crashed claim that never called Stripe gives back the cash-out's limits", async () => {
    const cashOutId = uniqueId('co');
    await seedCashOut(h.stripe.ledger, { cashOutId, status: 'processing', accountId: ACCOUNT });
    await reserve(cashOutId);
    // Its invocation died after taking the limits, before marking the Stripe call: lease run out, old enough.
    await h.stripe.ledger.update(
      cashOutId,
      `attempt-${cashOutId}`,
      { leaseExpiresAt: Date.now() - 1, updatedAt: new Date(Date.now() - 3_600_000).toISOString() },
      new Date(Date.now() - 3_600_000),
    );

    const result = await reconcileOne(cashOutId, h.deps.reconcile!);

    expect(result).toMatchObject({ outcome: 'resolved', to: 'rejected' });
    expect(await usage.reservation(cashOutId)).toMatchObject({ releasedAt: expect.any(String) });
  });
});

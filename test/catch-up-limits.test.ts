import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { systemClock } from '../functions/shared/clock.js';
import { LimitUsage } from '../functions/shared/usage.js';
import { platformKeys, recipientKey, usedInWindow } from '../functions/shared/usage-counters.js';
import { catchUpHarness, type CatchUpHarness } from './support/catch-up.js';
import { seedCashOut, stripeEvent, uniqueId } from './support/stripe-events.js';

const ACCOUNT = 'acct_1CatchUpLimits';
const now = () => Math.floor(Date.now() / 1000);

let h: CatchUpHarness;
let usage: LimitUsage;
beforeAll(async () => {
  h = await catchUpHarness();
  usage = new LimitUsage(h.tables.db, h.tables.names.usage, systemClock);
});
afterAll(() => h.stop());

/** What the limits hold taken for USD: the recipient's counter and the platform's, in minor units. */
async function taken(): Promise<{ recipient: number; platform: number }> {
  const hour = Math.floor(Date.now() / 3_600_000);
  const recipient = usedInWindow(await usage.get(recipientKey(ACCOUNT, 'USD')), hour);
  const platform = (await Promise.all(platformKeys('USD').map((key) => usage.get(key)))).reduce(
    (sum, counter) => sum + usedInWindow(counter, hour),
    0,
  );
  return { recipient, platform };
}

describe('catch-up gives back limits as the webhook does', () => {
  test("a payout.failed found by catch-up gives the cash-out's amount back to the limits exactly once, however often catch-up runs", async () => {
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
    // What the cash-out took when it was paid: 20.15 USD of the recipient's and the platform's day.
    const reserved = await usage.reserve(
      { cashOutId, accountId: ACCOUNT, currency: 'USD', amountMinor: 2015, perRecipientDay: 2_500_000, perDay: 25_000_000 },
      Date.now() + 10_000,
    );
    expect(reserved.reserved).toBe(true);
    expect(await taken()).toEqual({ recipient: 2015, platform: 2015 });
    h.stripe.addEvent(
      stripeEvent('payout.failed', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { created: now() - 60, account: ACCOUNT }),
    );

    expect((await h.run()).totals).toMatchObject({ applied: 1, failed: 0 });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'failed' });
    const released = (await usage.reservation(cashOutId))!.releasedAt;
    expect(released).toEqual(expect.any(String));
    expect(await taken()).toEqual({ recipient: 0, platform: 0 });

    // Found again by the next run (and again as a fresh event id): nothing more is given back.
    h.stripe.addEvent(
      stripeEvent('payout.failed', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { created: now() - 30, account: ACCOUNT }),
    );
    await h.run();
    expect((await usage.reservation(cashOutId))!.releasedAt).toBe(released);
    expect(await taken()).toEqual({ recipient: 0, platform: 0 });
  });
});

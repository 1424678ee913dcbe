import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LimitUsage } from '../functions/shared/usage.js';
import { answeredUnknownButPaid, jobFor } from './support/reconcile-job.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

let h: VillageHarness;
let usage: LimitUsage;

beforeAll(async () => {
  h = await villageHarness();
  usage = h.deps.limits.usage;
});
afterAll(() => h.stop());

describe('reconciliation gives back the limits of a cash-out it settles as not paid', () => {
  test('a cash-out answered unknown whose payout reconciliation cancels gives its amount back exactly once, however often reconciliation runs', async () => {
    await h.limits.set('DKK', { perCashOut: '5000', perRecipientDay: '5000', perDay: '100000' }, 'test');
    const email = `give_back_${Date.now()}@example.com`;
    await h.recipients.put(email, `acct_1GiveBack${Date.now()}`, new Date());
    const cashOutId = await answeredUnknownButPaid(h, { amount: '5000', currency: 'DKK', destination_email: email });
    // Unknown: the amount stays taken (it may have been paid) until reconciliation settles it.
    expect(await usage.reservation(cashOutId)).toMatchObject({ amountMinor: 500_000 });
    expect((await usage.reservation(cashOutId))!.releasedAt).toBeUndefined();
    expect((await h.send(cashOut({ amount: '0.01', currency: 'DKK', destination_email: email }))).body).toMatchObject({
      error: 'limit_exceeded',
      limit: 'per_recipient_day',
      left: '0.00',
    });

    const job = jobFor(h, { limits: usage });
    const first = await job.run();
    expect(first.result(cashOutId)).toMatchObject({ outcome: 'compensated', to: 'canceled' });
    const released = (await usage.reservation(cashOutId))!.releasedAt;
    expect(released).toEqual(expect.any(String));
    const second = await job.run();
    expect(second.result(cashOutId)?.outcome ?? 'not selected').not.toBe('compensated');
    expect((await usage.reservation(cashOutId))!.releasedAt).toBe(released);

    // Given back once: the recipient has exactly 5,000.00 DKK again, not 10,000.00.
    expect((await h.send(cashOut({ amount: '5000', currency: 'DKK', destination_email: email }))).statusCode).toBe(200);
    expect((await h.send(cashOut({ amount: '0.01', currency: 'DKK', destination_email: email }))).body).toMatchObject({
      limit: 'per_recipient_day',
      left: '0.00',
    });
  });
});

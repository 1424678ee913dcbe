import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

let h: VillageHarness;
beforeAll(async () => {
  h = await villageHarness();
  await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
});
afterAll(async () => h.stop());

describe('a Village cash-out', () => {
  test('is paid once through a Stripe payout on the connected account, and answered 200', async () => {
    const request = cashOut({ amount: '20.15', currency: 'USD' });
    const response = await h.send(request);

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ cashOutId: request.cash_out_id, status: 'pending', amount: '20.15', currency: 'USD' });
    const creations = h.stripe.requests.filter((r) => r.created && r.params.metadata && (r.params.metadata as Record<string, string>).cash_out_id === request.cash_out_id);
    expect(creations).toHaveLength(1);
    expect(creations[0]).toMatchObject({ path: '/v1/payouts', stripeAccount: 'acct_1Ada', idempotencyKey: `village-cash-out:${request.cash_out_id}`, params: { amount: '2015', currency: 'usd' } });
    const item = await h.ledger.get(String(request.cash_out_id));
    expect(item).toMatchObject({ status: 'pending', stripeObjectId: (response.body.stripe as { id: string }).id, amountMinor: 2015, answer: { statusCode: 200 } });
  });
});

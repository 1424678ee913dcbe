/**
 * A compensation holds the cash-out while it takes the money back: it claims the item first
 * (its own attemptId, a lease, a "not paid" answer where none was), so neither an overlapping
 * reconciliation run nor a Village redelivery can act on it meanwhile, and every write after
 * the claim is fenced by it. DynamoDB Local, the Stripe stand-in, the real SDK.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { MoneyObject } from '../functions/reconcile/decide.js';
import type { StripeMoney } from '../functions/reconcile/stripe-money.js';
import { stripeMoney } from '../functions/reconcile/stripe-money.js';
import { staticSecret } from '../functions/shared/secrets.js';
import { stripeFromSecret } from '../functions/shared/wiring.js';
import { jobFor, strayRequestsLanded } from './support/reconcile-job.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

/** Stripe as reconciliation sees it, with hooks around its calls. */
function stripeWith(h: VillageHarness, hooks: Partial<StripeMoney>): StripeMoney {
  const real = stripeMoney(stripeFromSecret(staticSecret('sk_test_reconcile', 'STRIPE_SECRET_KEY'), h.stripe.url), 5000);
  return { ...real, ...hooks };
}

/** A cash-out Village was answered 500 `payout_outcome_unknown` for, although Stripe created its payout. */
async function answeredUnknownButPaid(h: VillageHarness) {
  const request = cashOut();
  h.stripe.failNext({ kind: 'reset-after' }, { pathPrefix: '/v1/payouts', times: 100 });
  const response = await h.send(request, { remainingMs: 3000 });
  await strayRequestsLanded(h);
  h.stripe.clearFaults();
  expect(response.body.error).toBe('payout_outcome_unknown');
  const cashOutId = String(request.cash_out_id);
  const payout = [...h.stripe.payouts.values()].find((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId)!;
  return { request, cashOutId, payout };
}

describe('a compensation holds the cash-out while it takes the money back', () => {
  let h: VillageHarness;
  beforeAll(async () => {
    h = await villageHarness();
    await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    await h.send(cashOut()); // warms the clients
  });
  afterAll(async () => h.stop());

  test('two overlapping reconciliation runs over one cash-out due back cancel its payout once: one compensates, the other finds the item changed', async () => {
    const { cashOutId, payout } = await answeredUnknownButPaid(h);
    // Both runs have read the item and asked Stripe before either claims it.
    let arrived = 0;
    let release!: () => void;
    const bothAsked = new Promise<void>((resolve) => (release = resolve));
    let cancels = 0;
    const overlapping = (): StripeMoney => {
      const stripe = stripeWith(h, {});
      return {
        ...stripe,
        async find(item) {
          const found = await stripe.find(item);
          if ((arrived += 1) === 2) release();
          await bothAsked;
          return found;
        },
        async cancelPayout(item, id) {
          cancels += 1;
          return stripe.cancelPayout(item, id);
        },
      };
    };
    const [one, two] = await Promise.all([jobFor(h, { stripe: overlapping() }).run(), jobFor(h, { stripe: overlapping() }).run()]);
    const outcomes = [one.result(cashOutId), two.result(cashOutId)].map((r) => `${r?.outcome}:${r?.reason}`).sort();
    expect(outcomes).toEqual(['compensated:payout_canceled', 'conflict:changed_before_compensation']);
    expect(cancels).toBe(1);
    expect(payout.status).toBe('canceled');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'canceled', compensation: 'payout_canceled' });
  });

  test('a Village redelivery while the compensation takes the payout back is answered non-200 and pays nothing', async () => {
    const { request, cashOutId, payout } = await answeredUnknownButPaid(h);
    let redelivery: Awaited<ReturnType<VillageHarness['send']>> | undefined;
    const stripe = stripeWith(h, {});
    const job = jobFor(h, {
      stripe: {
        ...stripe,
        async cancelPayout(item, id) {
          redelivery = await h.send(request);
          return stripe.cancelPayout(item, id);
        },
      },
    });
    const { result } = await job.run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'compensated' });
    expect(redelivery?.statusCode).not.toBe(200);
    const payouts = [...h.stripe.payouts.values()].filter((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId);
    expect(payouts.map((p) => p.status)).toEqual(['canceled']);
    expect(payout.status).toBe('canceled');
  });

  test('a cancel Stripe answers without confirming goes to an operator, written under the compensation claim, and the money stays due back', async () => {
    const { cashOutId, payout } = await answeredUnknownButPaid(h);
    const stripe = stripeWith(h, {});
    const unconfirmed = async (item: Parameters<StripeMoney['cancelPayout']>[0]): Promise<MoneyObject> => {
      const found = await stripe.find(item);
      if (found.found !== 'one') throw new Error('the payout is not found');
      return { ...found.object, status: 'pending' };
    };
    const { result } = await jobFor(h, { stripe: { ...stripe, cancelPayout: unconfirmed } }).run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'needs_operator', reason: 'compensation_not_confirmed:pending' });
    const item = await h.ledger.get(cashOutId);
    expect(item).toMatchObject({
      status: 'pending',
      needsOperator: true,
      needsCompensation: true,
      operatorReason: 'compensation_not_confirmed:pending',
      answer: { statusCode: 500 },
    });
    expect(item?.attemptId).toMatch(/^reconcile:/);
    expect(payout.status).toBe('pending');
    // With an operator now: the next run leaves it alone.
    expect((await jobFor(h).run()).result(cashOutId)).toBeUndefined();
  });
});

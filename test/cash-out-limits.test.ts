import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { attentionReasons } from '../operator/attention.js';
import { CashOutReads } from '../operator/cash-outs.js';
import { LimitUsage } from '../functions/shared/usage.js';
import { stripeEvent, stripeHarness, type StripeHarness } from './support/stripe-events.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

let h: VillageHarness;
let stripe: StripeHarness;
let usage: LimitUsage;
let n = 0;

/** A recipient of their own, so each test's per-recipient counter starts empty. */
async function newRecipient(): Promise<string> {
  n += 1;
  const email = `limits${n}_${Date.now()}@example.com`;
  await h.recipients.put(email, `acct_1Limits${n}${Date.now()}`, new Date());
  return email;
}

const payoutsFor = (cashOutId: unknown) =>
  h.stripe.requests.filter((r) => r.created && (r.params.metadata as Record<string, string> | undefined)?.cash_out_id === cashOutId);

beforeAll(async () => {
  h = await villageHarness();
  usage = h.deps.limits.usage;
  stripe = await stripeHarness({ limits: usage }, h.tables);
});
afterAll(async () => {
  await stripe.stop();
  await h.stop();
});

describe('limits on what a cash-out can move', () => {
  test('a currency that is not one Stripe supports is a 400 and nothing is stored', async () => {
    const request = cashOut({ currency: 'XYZ', destination_email: await newRecipient() });
    const response = await h.send(request);
    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe('invalid_currency');
    expect(await h.ledger.get(String(request.cash_out_id))).toBeUndefined();
  });

  test('a currency Stripe supports but without limits is refused (422 limit_exceeded) until an operator sets them; the refusal is kept', async () => {
    const email = await newRecipient();
    const request = cashOut({ currency: 'SEK', amount: '10.00', destination_email: email });
    const response = await h.send(request);
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatchObject({ error: 'limit_exceeded', limit: 'currency_not_enabled' });
    expect(payoutsFor(request.cash_out_id)).toHaveLength(0);
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({
      status: 'rejected',
      reason: 'limit_exceeded',
      limitRefusal: { limit: 'currency_not_enabled', currency: 'SEK' },
    });

    await h.limits.set('SEK', { perCashOut: '100', perRecipientDay: '1000', perDay: '10000' }, 'test-operator');
    const again = cashOut({ currency: 'SEK', amount: '10.00', destination_email: email });
    expect((await h.send(again)).statusCode).toBe(200);
    expect((await h.limits.changes('SEK')).at(-1)).toMatchObject({ who: 'test-operator', action: 'set_limits' });
  });

  test('out of the box, 10,000.01 USD is above the limit per cash-out: 422, nothing paid', async () => {
    const request = cashOut({ amount: '10000.01', currency: 'USD', destination_email: await newRecipient() });
    const response = await h.send(request);
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatchObject({ error: 'limit_exceeded', limit: 'per_cash_out', limitAmount: '10000.00' });
    expect(payoutsFor(request.cash_out_id)).toHaveLength(0);
    expect(await usage.reservation(String(request.cash_out_id))).toBeUndefined();
    // The console's attention queue shows it, with which limit and what was left.
    const queue = await new CashOutReads(h.tables.db, h.tables.names.ledger).attention(Date.now(), 3_600_000);
    const shown = queue.open.find((item) => item.cashOutId === request.cash_out_id);
    expect(shown).toMatchObject({ limitRefusal: { limit: 'per_cash_out', left: '10000.00', currency: 'USD' } });
    expect(attentionReasons(shown!, Date.now())).toEqual(['limit_exceeded']);
  });

  test('a recipient is paid at most 25,000.00 USD in 24 hours; the refusal says how much was left', async () => {
    const email = await newRecipient();
    for (const amount of ['10000.00', '10000.00'])
      expect((await h.send(cashOut({ amount, currency: 'USD', destination_email: email }))).statusCode).toBe(200);
    const over = cashOut({ amount: '5000.01', currency: 'USD', destination_email: email });
    const response = await h.send(over);
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatchObject({ limit: 'per_recipient_day', left: '5000.00', limitAmount: '25000.00' });
    expect(payoutsFor(over.cash_out_id)).toHaveLength(0);
    expect((await h.send(cashOut({ amount: '5000.00', currency: 'USD', destination_email: email }))).statusCode).toBe(200);
  });

  test('the platform pays at most its limit per day across recipients, even when no one shard has room enough', async () => {
    await h.limits.set('NZD', { perCashOut: '3000', perRecipientDay: '10000', perDay: '10000' }, 'test');
    const paid: number[] = [];
    for (let i = 0; i < 4; i += 1)
      paid.push((await h.send(cashOut({ amount: '3000', currency: 'NZD', destination_email: await newRecipient() }))).statusCode);
    expect(paid).toEqual([200, 200, 200, 422]);
    const last = cashOut({ amount: '1000', currency: 'NZD', destination_email: await newRecipient() });
    expect((await h.send(last)).statusCode).toBe(200);
    const none = await h.send(cashOut({ amount: '0.01', currency: 'NZD', destination_email: await newRecipient() }));
    expect(none.body).toMatchObject({ limit: 'per_day', left: '0.00' });
  });

  test('five cash-outs of 3,000 racing for a recipient’s 10,000: exactly three are paid', async () => {
    await h.limits.set('CHF', { perCashOut: '5000', perRecipientDay: '10000', perDay: '100000' }, 'test');
    const email = await newRecipient();
    const requests = Array.from({ length: 5 }, () => cashOut({ amount: '3000', currency: 'CHF', destination_email: email }));
    const answers = await Promise.all(requests.map((request) => h.send(request)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 422, 422]);
    expect(requests.flatMap((r) => payoutsFor(r.cash_out_id))).toHaveLength(3);
  });

  test('five cash-outs of 3,000 from different recipients racing for the platform’s 10,000: exactly three are paid', async () => {
    await h.limits.set('SGD', { perCashOut: '5000', perRecipientDay: '10000', perDay: '10000' }, 'test');
    const requests = await Promise.all(
      Array.from({ length: 5 }, async () => cashOut({ amount: '3000', currency: 'SGD', destination_email: await newRecipient() })),
    );
    const answers = await Promise.all(requests.map((request) => h.send(request)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 422, 422]);
    expect(requests.flatMap((r) => payoutsFor(r.cash_out_id))).toHaveLength(3);
  });

  test('a duplicate delivery of a paid cash-out takes nothing more from the limits', async () => {
    await h.limits.set('DKK', { perCashOut: '5000', perRecipientDay: '5000', perDay: '100000' }, 'test');
    const email = await newRecipient();
    const request = cashOut({ amount: '5000', currency: 'DKK', destination_email: email });
    expect((await h.send(request)).statusCode).toBe(200);
    expect((await h.send(request)).statusCode).toBe(200);
    expect((await h.send(cashOut({ amount: '0.01', currency: 'DKK', destination_email: email }))).body).toMatchObject({
      limit: 'per_recipient_day',
      left: '0.00',
    });
  });

  test('a cash-out Stripe refuses gives its amount back', async () => {
    await h.limits.set('NOK', { perCashOut: '5000', perRecipientDay: '5000', perDay: '100000' }, 'test');
    const email = await newRecipient();
    h.stripe.failNext(
      { kind: 'error', status: 400, type: 'invalid_request_error', code: 'balance_insufficient' },
      { pathPrefix: '/v1/payouts' },
    );
    const refused = cashOut({ amount: '5000', currency: 'NOK', destination_email: email });
    expect((await h.send(refused)).statusCode).toBe(500);
    expect(await usage.reservation(String(refused.cash_out_id))).toMatchObject({ releasedAt: expect.any(String) });
    expect((await h.send(cashOut({ amount: '5000', currency: 'NOK', destination_email: email }))).statusCode).toBe(200);
  });

  test('payout.failed gives the amount back exactly once, however often it is delivered', async () => {
    await h.limits.set('PLN', { perCashOut: '5000', perRecipientDay: '5000', perDay: '100000' }, 'test');
    const email = await newRecipient();
    const first = cashOut({ amount: '5000', currency: 'PLN', destination_email: email });
    const paid = await h.send(first);
    expect(paid.statusCode).toBe(200);
    const payoutId = (paid.body.stripe as { id: string }).id;
    const item = await h.ledger.get(String(first.cash_out_id));
    const failed = stripeEvent(
      'payout.failed',
      {
        id: payoutId,
        object: 'payout',
        amount: 500000,
        currency: 'pln',
        status: 'failed',
        failure_code: 'account_closed',
        metadata: { cash_out_id: first.cash_out_id },
      },
      { account: item!.accountId, created: Math.floor(Date.now() / 1000) + 5 },
    );
    expect((await stripe.send(failed)).statusCode).toBe(200);
    expect(await h.ledger.get(String(first.cash_out_id))).toMatchObject({ status: 'failed' });
    const second = cashOut({ amount: '5000', currency: 'PLN', destination_email: email });
    expect((await h.send(second)).statusCode).toBe(200);
    // Delivered again, and as a fresh event id: nothing more is given back.
    await stripe.send(failed);
    await stripe.send({ ...failed, id: `${failed.id}_again` });
    expect((await h.send(cashOut({ amount: '0.01', currency: 'PLN', destination_email: email }))).body).toMatchObject({
      limit: 'per_recipient_day',
      left: '0.00',
    });
  });

  test('a give-back is counted once even when two run at the same time', async () => {
    await h.limits.set('CZK', { perCashOut: '5000', perRecipientDay: '5000', perDay: '100000' }, 'test');
    const email = await newRecipient();
    h.stripe.failNext(
      { kind: 'error', status: 400, type: 'invalid_request_error', code: 'balance_insufficient' },
      { pathPrefix: '/v1/payouts' },
    );
    const refused = cashOut({ amount: '5000', currency: 'CZK', destination_email: email });
    await h.send(refused);
    const again = await Promise.all([usage.release(String(refused.cash_out_id)), usage.release(String(refused.cash_out_id))]);
    expect(again).toEqual(['already', 'already']);
    expect((await h.send(cashOut({ amount: '5000', currency: 'CZK', destination_email: email }))).statusCode).toBe(200);
    expect((await h.send(cashOut({ amount: '0.01', currency: 'CZK', destination_email: email }))).statusCode).toBe(422);
  });
});

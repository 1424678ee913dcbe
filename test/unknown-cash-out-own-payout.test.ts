import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { answeredUnknownButPaid, jobFor } from './support/reconcile-job.js';
import { stripeEvent, stripeHarness, type StripeHarness } from './support/stripe-events.js';
import { villageHarness, type VillageHarness } from './support/village.js';

/**
 * A cash-out Village was answered 500 for (`unknown`: Stripe's answer never came) while the
 * gateway's payout po_A was made. A Standard account sees po_A and its metadata on its own
 * dashboard, and can make its own payout po_B with the same metadata and amount. Events about
 * po_B once bound the cash-out and closed it (`payout.canceled`), so reconciliation never looked
 * for po_A, which stayed paid: the user paid twice. No event binds a cash-out now; for a cash-out
 * not known paid, reconciliation lists every payout naming it, and more than one goes to an operator.
 */
let h: VillageHarness;
let s: StripeHarness;

beforeAll(async () => {
  h = await villageHarness();
  s = await stripeHarness({}, h.tables);
  await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
});
afterAll(async () => {
  await s?.stop();
  await h?.stop();
});

describe("an unknown cash-out named by the recipient's own payout of the same amount", () => {
  test("the gateway's real payout, made for a cash-out Village was told failed, is still taken back (or raised to an operator)", async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    const real = [...h.stripe.payouts.values()].find((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId)!;
    expect(real.status).toBe('pending');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'unknown', answer: { statusCode: 500 } });
    expect((await h.ledger.get(cashOutId))?.stripeObjectId).toBeUndefined();

    // The recipient (a Standard account) makes its own payout naming the cash-out, same amount, and cancels it.
    const stripe = await h.deps.stripe();
    const own = await stripe.payouts.create(
      { amount: 2015, currency: 'usd', metadata: { cash_out_id: cashOutId } },
      { stripeAccount: 'acct_1Ada' },
    );
    await stripe.payouts.cancel(own.id, {}, { stripeAccount: 'acct_1Ada' });
    const now = Math.floor(Date.now() / 1000);

    // Stripe delivers (Connect events, genuinely signed) the recipient's payout.canceled first...
    const canceled = stripeEvent(
      'payout.canceled',
      { id: own.id, amount: 2015, currency: 'usd', status: 'canceled', created: now, metadata: { cash_out_id: cashOutId } },
      { account: 'acct_1Ada', created: now },
    );
    const first = await s.send(canceled);
    // ...then the retry of the real payout's payout.created (deferred while the cash-out was processing).
    const created = stripeEvent(
      'payout.created',
      { id: real.id, amount: 2015, currency: 'usd', status: 'pending', created: now, metadata: { cash_out_id: cashOutId } },
      { account: 'acct_1Ada', created: now },
    );
    const second = await s.send(created);

    // The next reconciliation run.
    const { result } = await jobFor(h, { offsetMs: 2 * 60_000 }).run();
    const item = await h.ledger.get(cashOutId);
    // What happened, for the report.
    console.log(
      JSON.stringify({
        first: first.body,
        second: second.body,
        reconcile: result(cashOutId),
        ledger: {
          status: item?.status,
          stripeObjectId: item?.stripeObjectId,
          needsOperator: (item as { needsOperator?: boolean })?.needsOperator,
        },
        ownPayout: own.id,
        realPayout: { id: real.id, status: h.stripe.payouts.get(real.id)?.status },
      }),
    );

    // Village was told the cash-out failed: the real payout must not stay (canceled), or a person must be told to take it back.
    const realNow = h.stripe.payouts.get(real.id)!;
    const raised = (item as { needsOperator?: boolean } | undefined)?.needsOperator === true;
    expect(realNow.status === 'canceled' || raised).toBe(true);
  });

  test("the same with the recipient's payout left pending: neither payout binds the cash-out, and reconciliation raises it to an operator", async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    const real = [...h.stripe.payouts.values()].find((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId)!;
    const stripe = await h.deps.stripe();
    const own = await stripe.payouts.create(
      { amount: 2015, currency: 'usd', metadata: { cash_out_id: cashOutId } },
      { stripeAccount: 'acct_1Ada' },
    );
    const now = Math.floor(Date.now() / 1000);
    const ownCreated = stripeEvent(
      'payout.created',
      { id: own.id, amount: 2015, currency: 'usd', status: 'pending', created: now, metadata: { cash_out_id: cashOutId } },
      { account: 'acct_1Ada', created: now },
    );
    const realCreated = stripeEvent(
      'payout.created',
      { id: real.id, amount: 2015, currency: 'usd', status: 'pending', created: now, metadata: { cash_out_id: cashOutId } },
      { account: 'acct_1Ada', created: now },
    );
    const first = await s.send(ownCreated);
    const second = await s.send(realCreated);
    const { result } = await jobFor(h, { offsetMs: 2 * 60_000 }).run();
    const item = await h.ledger.get(cashOutId);
    console.log(
      JSON.stringify({
        first: first.body,
        second: second.body,
        reconcile: result(cashOutId),
        ledger: { status: item?.status, stripeObjectId: item?.stripeObjectId },
        ownPayout: { id: own.id, status: h.stripe.payouts.get(own.id)?.status },
        realPayout: { id: real.id, status: h.stripe.payouts.get(real.id)?.status },
      }),
    );
    const raised = (item as { needsOperator?: boolean } | undefined)?.needsOperator === true;
    expect(h.stripe.payouts.get(real.id)!.status === 'canceled' || raised).toBe(true);
  });

  test("the recipient removes the cash-out id from the real payout's metadata: reconciliation still finds it by its description, and takes it back", async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    const real = [...h.stripe.payouts.values()].find((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId)!;
    const stripe = await h.deps.stripe();
    await stripe.payouts.update(real.id, { metadata: { cash_out_id: '' } }, { stripeAccount: 'acct_1Ada' });
    expect((h.stripe.payouts.get(real.id)!.metadata as Record<string, string>).cash_out_id).toBe('');

    const { result } = await jobFor(h, { offsetMs: 2 * 60_000 }).run();

    expect(result(cashOutId)).toMatchObject({ outcome: 'compensated', stripeObjectId: real.id });
    expect(h.stripe.payouts.get(real.id)!.status).toBe('canceled');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'canceled', stripeObjectId: real.id, compensation: 'payout_canceled' });
  });

  test("a cash-out bound to the recipient's payout (as events once bound it) is still checked against every payout naming it: raised to an operator", async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    const real = [...h.stripe.payouts.values()].find((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId)!;
    const stripe = await h.deps.stripe();
    const own = await stripe.payouts.create(
      { amount: 2015, currency: 'usd', metadata: { cash_out_id: cashOutId } },
      { stripeAccount: 'acct_1Ada' },
    );
    await h.tables.db.send(
      new UpdateCommand({
        TableName: h.tables.names.ledger,
        Key: { cashOutId },
        UpdateExpression: 'SET stripeObjectId = :own, stripeObjectType = :payout',
        ExpressionAttributeValues: { ':own': own.id, ':payout': 'payout' },
      }),
    );

    const { result } = await jobFor(h, { offsetMs: 2 * 60_000 }).run();

    expect(result(cashOutId)).toMatchObject({ outcome: 'needs_operator', reason: expect.stringContaining('several_stripe_objects') });
    expect(result(cashOutId)?.reason).toContain(real.id);
    expect(h.stripe.payouts.get(own.id)!.status).toBe('pending');
    expect(await h.ledger.get(cashOutId)).toMatchObject({ needsOperator: true });
  });

  test('an event about the real payout, once reconciliation has bound the cash-out to it, applies', async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    const real = [...h.stripe.payouts.values()].find((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId)!;
    // Village heard 500 and the payout can no longer be canceled: an operator must take it back.
    real.status = 'in_transit';
    const { result } = await jobFor(h, { offsetMs: 2 * 60_000 }).run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'needs_operator', stripeObjectId: real.id });

    const now = Math.floor(Date.now() / 1000);
    const paid = stripeEvent(
      'payout.paid',
      { id: real.id, amount: 2015, currency: 'usd', status: 'paid', created: now, metadata: { cash_out_id: cashOutId } },
      { account: 'acct_1Ada', created: now + 10 },
    );
    expect((await s.send(paid)).body).toMatchObject({ outcome: 'applied' });
    expect(await h.ledger.get(cashOutId)).toMatchObject({
      status: 'paid',
      stripeObjectId: real.id,
      needsOperator: true,
      needsCompensation: true,
    });
  });
});

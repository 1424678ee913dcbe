import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';

/**
 * A charge event applies only to its PaymentIntent's latest charge (apply-payment.ts,
 * latestChargeOnly). A payment_intent.* event naming a newer latest charge must move
 * `latestChargeCreated` with `latestChargeId`: left at the older charge's time, the guard's
 * `latestChargeCreated <= :chargeCreated` let a newer event about the OLD (declined) charge
 * move the payment back and rebind it to the old charge.
 */
let s: StripeHarness;
const T = Math.floor(Date.now() / 1000) - 3600;

beforeAll(async () => {
  s = await stripeHarness();
});
afterAll(async () => s?.stop());

describe('a retried payment', () => {
  test('an event about the earlier, declined charge does not move the payment back once the retry is the latest charge', async () => {
    const intent = uniqueId('pi');
    const declined = uniqueId('ch');
    const retry = uniqueId('ch');

    // 1. The first attempt is declined.
    const failed = stripeEvent('charge.failed', { id: declined, payment_intent: intent, created: T }, { created: T + 1 });
    expect((await s.send(failed)).body).toMatchObject({ outcome: 'applied' });
    // 2. The buyer retries (a bank debit): the PaymentIntent is processing, its latest charge the retry.
    const processing = stripeEvent('payment_intent.processing', { id: intent, latest_charge: retry, created: T }, { created: T + 20 });
    expect((await s.send(processing)).body).toMatchObject({ outcome: 'applied' });
    expect(await s.records.get(intent, 'transaction')).toMatchObject({ status: 'processing', latestChargeId: retry });

    // 3. Later, something about the OLD declined charge changes (e.g. Radar fraud details): charge.updated for it.
    const oldUpdated = stripeEvent(
      'charge.updated',
      {
        id: declined,
        payment_intent: intent,
        created: T,
        status: 'failed',
        captured: false,
        paid: false,
        failure_code: 'card_declined',
        outcome: { type: 'issuer_declined', network_status: 'declined_by_network', reason: 'insufficient_funds' },
      },
      { created: T + 40 },
    );
    const answer = await s.send(oldUpdated);
    const record = await s.records.get(intent, 'transaction');
    console.log(
      JSON.stringify({
        answer: answer.body,
        record: { status: record?.status, latestChargeId: record?.latestChargeId, latestChargeCreated: record?.latestChargeCreated },
      }),
    );

    // The payment is still processing its retry; the old charge must not speak for it.
    expect(record).toMatchObject({ status: 'processing', latestChargeId: retry });
  });

  test("the retry's own events, and a charge made after the PaymentIntent named the retry, still apply", async () => {
    const intent = uniqueId('pi');
    const declined = uniqueId('ch');
    const retry = uniqueId('ch');
    const third = uniqueId('ch');

    await s.send(stripeEvent('charge.failed', { id: declined, payment_intent: intent, created: T }, { created: T + 1 }));
    await s.send(stripeEvent('payment_intent.processing', { id: intent, latest_charge: retry, created: T }, { created: T + 20 }));
    // The retry itself, created before the PaymentIntent event that named it.
    const retryFailed = stripeEvent('charge.failed', { id: retry, payment_intent: intent, created: T + 15 }, { created: T + 30 });
    expect((await s.send(retryFailed)).body).toMatchObject({ outcome: 'applied' });
    expect(await s.records.get(intent, 'transaction')).toMatchObject({
      status: 'authorization_declined',
      latestChargeId: retry,
      latestChargeCreated: T + 15,
    });
    // A third attempt, made after: its charge is the latest now, and its success applies.
    const thirdSucceeded = stripeEvent('charge.succeeded', { id: third, payment_intent: intent, created: T + 40 }, { created: T + 41 });
    expect((await s.send(thirdSucceeded)).body).toMatchObject({ outcome: 'applied' });
    expect(await s.records.get(intent, 'transaction')).toMatchObject({
      status: 'capture_succeeded',
      latestChargeId: third,
      latestChargeCreated: T + 40,
    });
  });
});

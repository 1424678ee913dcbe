import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { staticSecret } from '../functions/shared/secrets.js';
import {
  STRIPE_CONNECT_SECRET,
  STRIPE_SECRET,
  stripeEvent,
  stripeHarness,
  stripeSignature,
  type StripeHarness,
} from './support/stripe-events.js';

let h: StripeHarness;
beforeAll(async () => {
  h = await stripeHarness();
});
afterAll(async () => h.stop());

const now = () => Math.floor(Date.now() / 1000);

async function expectNothingStored(eventId: string): Promise<void> {
  expect(await h.events.get(eventId)).toBeUndefined();
}

describe('Stripe-Signature verification', () => {
  test('an event signed with the endpoint secret is accepted and stored', async () => {
    const event = stripeEvent('customer.created');
    const response = await h.send(event);

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ received: true, eventId: event.id });
    expect(await h.events.get(event.id)).toMatchObject({
      eventKey: `stripe:${event.id}`,
      provider: 'stripe',
      type: 'customer.created',
      appliedAt: expect.any(String),
    });
  });

  test('a missing signature is refused with 400 and nothing is stored', async () => {
    const event = stripeEvent('payout.paid');
    const response = await h.send(event, { signature: null });

    expect(response).toEqual({ statusCode: 400, body: { error: 'signature_missing', message: expect.any(String) } });
    await expectNothingStored(event.id);
  });

  test('a header that is not t=…,v1=… is refused with 400', async () => {
    const event = stripeEvent('payout.paid');
    const response = await h.send(event, { signature: 'sha256=abc' });

    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe('signature_malformed');
    await expectNothingStored(event.id);
  });

  test('an event signed with another secret is refused with 400 and nothing is stored', async () => {
    const event = stripeEvent('payout.paid');
    const response = await h.send(event, { secrets: ['whsec_someone_else'] });

    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe('signature_mismatch');
    await expectNothingStored(event.id);
  });

  test('a correctly signed event older than the 300 s tolerance is refused as a replay', async () => {
    const event = stripeEvent('payout.paid');
    const response = await h.send(event, { timestamp: now() - 301 });

    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe('signature_expired');
    await expectNothingStored(event.id);
  });

  test('a signature just inside the tolerance is accepted', async () => {
    const event = stripeEvent('customer.created');
    expect((await h.send(event, { timestamp: now() - 280 })).statusCode).toBe(200);
  });

  test('a body re-serialised after signing no longer matches', async () => {
    const event = stripeEvent('customer.created');
    const signed = JSON.stringify(event);
    const response = await h.send(JSON.stringify(event, null, 2), { signature: stripeSignature(signed, [STRIPE_SECRET]) });

    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe('signature_mismatch');
  });

  test('while a secret is rolled, a header with two v1 signatures (old and new secret) is accepted', async () => {
    const event = stripeEvent('customer.created');
    const response = await h.send(event, { secrets: ['whsec_the_old_rolled_secret', STRIPE_SECRET] });

    expect(response.statusCode).toBe(200);
  });

  test('a v1 list in which no entry matches is refused', async () => {
    const event = stripeEvent('customer.created');
    const response = await h.send(event, { secrets: ['whsec_one', 'whsec_two'] });

    expect(response.statusCode).toBe(400);
  });

  test('an event from a Connect endpoint, signed with the Connect secret, is accepted', async () => {
    const event = stripeEvent('account.updated');
    const response = await h.send(event, { secrets: [STRIPE_CONNECT_SECRET] });

    expect(response.statusCode).toBe(200);
    expect(await h.events.get(event.id)).toMatchObject({ account: 'acct_1LocalSampleAda' });
  });

  test('a base64-encoded body (as API Gateway may deliver it) is verified on its decoded bytes', async () => {
    const event = stripeEvent('customer.created', { name: 'Zoë Ünïcødé 🚀' });
    const response = await h.send(event, { base64: true });

    expect(response.statusCode).toBe(200);
    expect((await h.events.get(event.id))?.payload).toBe(JSON.stringify(event));
  });
});

describe('endpoint secret rotation', () => {
  test('both the current and the previous secret are accepted while the secret holds {"current","previous"}', async () => {
    const rotating = await stripeHarness(
      {
        webhookSecrets: [
          staticSecret(JSON.stringify({ current: 'whsec_new_secret', previous: 'whsec_old_secret' }), 'STRIPE_WEBHOOK_SECRET'),
        ],
      },
      h.tables,
    );

    expect((await rotating.send(stripeEvent('customer.created'), { secrets: ['whsec_new_secret'] })).statusCode).toBe(200);
    expect((await rotating.send(stripeEvent('customer.created'), { secrets: ['whsec_old_secret'] })).statusCode).toBe(200);
    expect((await rotating.send(stripeEvent('customer.created'), { secrets: [STRIPE_SECRET] })).statusCode).toBe(400);
  });

  test('a secret the operator has not set yet (NOT_SET) is a 500 for Stripe to retry, not a signature failure', async () => {
    const unset = await stripeHarness({ webhookSecrets: [staticSecret('NOT_SET', 'STRIPE_WEBHOOK_SECRET')] }, h.tables);
    const event = stripeEvent('payout.paid');
    const response = await unset.send(event, { secrets: ['NOT_SET'] });

    expect(response.statusCode).toBe(500);
    await expectNothingStored(event.id);
    expect(JSON.stringify(unset.logs)).toContain('No Stripe webhook signing secret is set');
  });

  test('no secret and no signature ever appears in the logs', async () => {
    await h.send(stripeEvent('customer.created'), { secrets: ['whsec_wrong'] });
    const logged = JSON.stringify(h.logs);
    expect(logged).not.toContain(STRIPE_SECRET);
    expect(logged).not.toContain('whsec_');
    expect(logged).not.toMatch(/v1=[0-9a-f]{64}/);
  });
});

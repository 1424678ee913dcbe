import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { systemClock } from '../functions/shared/clock.js';
import { StripeRecordStore } from '../functions/stripe-events/record-store.js';
import { matchPath } from '../dev/gateway.js';
import { seedCashOut, STRIPE_SECRET, stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';
import { sourcesFixture, type SourcesFixture } from './support/stripe-sources.js';

const ACME = { sourceId: 'acme-eu', secret: 'whsec_acme_eu_endpoint_secret' };
const GLOBEX = { sourceId: 'globex', secret: 'whsec_globex_endpoint_secret' };

let h: StripeHarness;
let sources: SourcesFixture;
beforeAll(async () => {
  const platform = await stripeHarness();
  sources = await sourcesFixture(platform.tables, systemClock);
  h = await stripeHarness({ sources: sources.registry }, platform.tables);
  await sources.admin.add(ACME.sourceId, { signingSecret: ACME.secret });
  await sources.admin.add(GLOBEX.sourceId, { signingSecret: GLOBEX.secret, apiKey: 'rk_test_globex_reads_events' });
});
afterAll(async () => h.tables.db.destroy());

const storedKeys = async (eventId: string) => {
  const keys = [`stripe:${eventId}`, `stripe:${ACME.sourceId}:${eventId}`, `stripe:${GLOBEX.sourceId}:${eventId}`];
  const found = await Promise.all(
    keys.map((key) => h.tables.db.send(new GetCommand({ TableName: h.tables.names.events, Key: { eventKey: key }, ConsistentRead: true }))),
  );
  return keys.filter((_, index) => found[index]!.Item !== undefined);
};

describe('merchant sources at POST /webhooks/stripe/{sourceId}', () => {
  test("two sources with different secrets: each event is verified with its own source's secret and recorded under that source", async () => {
    const event = stripeEvent('customer.created');

    const acme = await h.send(event, { sourceId: ACME.sourceId, secrets: [ACME.secret] });
    const globex = await h.send(event, { sourceId: GLOBEX.sourceId, secrets: [GLOBEX.secret] });

    expect(acme).toMatchObject({ statusCode: 200, body: { received: true, eventId: event.id } });
    expect(globex.statusCode).toBe(200);
    expect(globex.body.duplicate).toBeUndefined();
    expect(await h.events.forSource(ACME.sourceId).get(event.id)).toMatchObject({
      eventKey: `stripe:acme-eu:${event.id}`,
      sourceId: 'acme-eu',
      appliedAt: expect.any(String),
    });
    expect(await h.events.forSource(GLOBEX.sourceId).get(event.id)).toMatchObject({
      eventKey: `stripe:globex:${event.id}`,
      sourceId: 'globex',
    });
    expect(await storedKeys(event.id)).toEqual([`stripe:acme-eu:${event.id}`, `stripe:globex:${event.id}`]);
  });

  test('the platform endpoint keeps its keys and is recorded as source "platform"', async () => {
    const event = stripeEvent('customer.created');
    expect((await h.send(event)).statusCode).toBe(200);
    expect(await h.events.get(event.id)).toMatchObject({ eventKey: `stripe:${event.id}`, sourceId: 'platform' });
  });

  test("an event signed with another source's secret (or the platform's) is refused with 400 and nothing is stored", async () => {
    const event = stripeEvent('payment_intent.succeeded');

    for (const secret of [GLOBEX.secret, STRIPE_SECRET]) {
      const response = await h.send(event, { sourceId: ACME.sourceId, secrets: [secret] });
      expect(response.statusCode).toBe(400);
      expect(response.body.error).toBe('signature_mismatch');
    }
    // And the platform endpoint does not take a merchant's signature either.
    expect((await h.send(event, { secrets: [ACME.secret] })).statusCode).toBe(400);
    expect(await storedKeys(event.id)).toEqual([]);
  });

  test('an unknown source is answered 404 with nothing stored, whatever the signature', async () => {
    const event = stripeEvent('payout.paid');
    for (const sourceId of ['initech', 'Not_A_Source', 'platform', 'ab']) {
      const response = await h.send(event, { sourceId, secrets: [ACME.secret] });
      expect(response).toEqual({ statusCode: 404, body: { error: 'source_not_found', message: expect.any(String) } });
    }
    expect(await storedKeys(event.id)).toEqual([]);
  });

  test('a disabled source is answered 404 with nothing stored; enabled again, it is served at once', async () => {
    const event = stripeEvent('customer.created');
    await sources.admin.setStatus(ACME.sourceId, 'disabled');

    const refused = await h.send(event, { sourceId: ACME.sourceId, secrets: [ACME.secret] });
    await sources.admin.setStatus(ACME.sourceId, 'enabled');
    const accepted = await h.send(event, { sourceId: ACME.sourceId, secrets: [ACME.secret] });

    expect(refused).toMatchObject({ statusCode: 404, body: { error: 'source_not_found' } });
    expect(accepted.statusCode).toBe(200);
    expect(await storedKeys(event.id)).toEqual([`stripe:acme-eu:${event.id}`]);
  });

  test('a source added while the gateway runs is served at once: an unknown source is not remembered as unknown', async () => {
    const sourceId = `new-${Date.now().toString(36)}`;
    const secret = 'whsec_new_merchant_secret';
    expect((await h.send(stripeEvent('customer.created'), { sourceId, secrets: [secret] })).statusCode).toBe(404);

    await sources.admin.add(sourceId, { signingSecret: secret });

    expect((await h.send(stripeEvent('customer.created'), { sourceId, secrets: [secret] })).statusCode).toBe(200);
  });

  test('a secret roll: the new secret works at once (cached secrets notwithstanding), the old one until it is dropped', async () => {
    const sourceId = uniqueId('roll').toLowerCase().replace('_', '-');
    await sources.admin.add(sourceId, { signingSecret: 'whsec_before_the_roll' });
    const send = (secrets: string[]) => h.send(stripeEvent('customer.created'), { sourceId, secrets });
    expect((await send(['whsec_before_the_roll'])).statusCode).toBe(200); // now cached in the registry

    await sources.admin.rotate(sourceId, { signingSecret: 'whsec_after_the_roll' });
    expect((await send(['whsec_after_the_roll'])).statusCode).toBe(200);
    expect((await send(['whsec_before_the_roll'])).statusCode).toBe(200);
    // While both are valid, Stripe signs with both.
    expect((await send(['whsec_before_the_roll', 'whsec_after_the_roll'])).statusCode).toBe(200);

    await sources.admin.rotate(sourceId, { dropPrevious: true });
    expect((await send(['whsec_before_the_roll'])).statusCode).toBe(400);
    expect((await send(['whsec_after_the_roll'])).statusCode).toBe(200);
  });

  test('a source removed and added again with another secret is served with the new secret at once', async () => {
    const sourceId = 'readded';
    await sources.admin.add(sourceId, { signingSecret: 'whsec_first_life' });
    expect((await h.send(stripeEvent('customer.created'), { sourceId, secrets: ['whsec_first_life'] })).statusCode).toBe(200);

    await sources.admin.remove(sourceId);
    await sources.admin.add(sourceId, { signingSecret: 'whsec_second_life' });

    expect((await h.send(stripeEvent('customer.created'), { sourceId, secrets: ['whsec_second_life'] })).statusCode).toBe(200);
    expect((await h.send(stripeEvent('customer.created'), { sourceId, secrets: ['whsec_first_life'] })).statusCode).toBe(400);
  });

  test("one merchant's records never mix with another's, even for the same Stripe object", async () => {
    const paymentIntentId = uniqueId('pi');
    const at = (sourceId: string, secret: string, amount: number) =>
      h.send(stripeEvent('payment_intent.succeeded', { id: paymentIntentId, amount, amount_received: amount }), {
        sourceId,
        secrets: [secret],
      });

    expect((await at(ACME.sourceId, ACME.secret, 1000)).statusCode).toBe(200);
    expect((await at(GLOBEX.sourceId, GLOBEX.secret, 2500)).statusCode).toBe(200);

    const records = new StripeRecordStore(h.tables.db, h.tables.names.records);
    expect(await records.forSource(ACME.sourceId).get(paymentIntentId, 'transaction')).toMatchObject({
      id: `acme-eu/${paymentIntentId}`,
      stripeId: paymentIntentId,
      sourceId: 'acme-eu',
      amount: 1000,
      status: 'capture_succeeded',
    });
    expect(await records.forSource(GLOBEX.sourceId).get(paymentIntentId, 'transaction')).toMatchObject({
      id: `globex/${paymentIntentId}`,
      sourceId: 'globex',
      amount: 2500,
    });
    expect(await records.get(paymentIntentId, 'transaction')).toBeUndefined();
  });

  test("a merchant's payout never moves the platform's cash-out ledger, even naming one of its cash-outs: it is kept as that source's payout record", async () => {
    const cashOutId = uniqueId('co');
    const payoutId = uniqueId('po');
    await seedCashOut(h.ledger, { cashOutId, status: 'pending', answerStatusCode: 200, stripeObjectId: payoutId });
    const event = stripeEvent('payout.failed', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { account: undefined });

    const response = await h.send(event, { sourceId: ACME.sourceId, secrets: [ACME.secret] });

    expect(response.statusCode).toBe(200);
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'pending' });
    expect((await h.ledger.get(cashOutId))?.failedAfterPaid).toBeUndefined();
    expect(await h.records.forSource(ACME.sourceId).get(payoutId, 'payout')).toMatchObject({ status: 'failed', sourceId: 'acme-eu' });
    expect(h.metrics).not.toContain('PayoutFailedAfterPaid');
  });

  test("a merchant's account.updated does not change the platform's recipients", async () => {
    await h.recipients.put('merchant-check@example.com', 'acct_1MerchantCheck', new Date());
    const event = stripeEvent('account.updated', { id: 'acct_1MerchantCheck', payouts_enabled: false });

    const response = await h.send(event, { sourceId: ACME.sourceId, secrets: [ACME.secret] });

    expect(response.body).toMatchObject({ outcome: 'ignored' });
    expect((await h.recipients.get('merchant-check@example.com'))?.payoutsEnabled).toBeUndefined();
  });

  test('no source secret and no signature appears in the logs', async () => {
    await h.send(stripeEvent('customer.created'), { sourceId: ACME.sourceId, secrets: ['whsec_wrong'] });
    await h.send(stripeEvent('customer.created'), { sourceId: ACME.sourceId, secrets: [ACME.secret] });
    const logged = JSON.stringify(h.logs);
    expect(logged).toContain('acme-eu');
    expect(logged).not.toContain('whsec_');
    expect(logged).not.toMatch(/v1=[0-9a-f]{64}/);
  });
});

describe('the local gateway serves the source route as API Gateway does', () => {
  test('a {sourceId} path parameter is one non-empty segment, URL-decoded', () => {
    const route = '/webhooks/stripe/{sourceId}';
    expect(matchPath(route, '/webhooks/stripe/acme-eu')).toEqual({ sourceId: 'acme-eu' });
    expect(matchPath(route, '/webhooks/stripe/acme%2Deu')).toEqual({ sourceId: 'acme-eu' });
    expect(matchPath(route, '/webhooks/stripe/')).toBeUndefined();
    expect(matchPath(route, '/webhooks/stripe/acme/eu')).toBeUndefined();
    expect(matchPath(route, '/webhooks/stripe/%E0%A4%A')).toBeUndefined();
    expect(matchPath('/webhooks/stripe', '/webhooks/stripe')).toEqual({});
    expect(matchPath('/webhooks/stripe', '/webhooks/stripe/acme')).toBeUndefined();
  });
});

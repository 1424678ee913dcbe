import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { benchContextOn, type BenchContext } from '../bench/context.js';
import { deliveryOrder } from '../bench/load.js';
import { setupPeer, type PeerTarget } from '../bench/peer-target.js';
import { lambdaContext } from '../dev/gateway.js';
import { StripeStandIn } from '../dev/stripe-stand-in.js';
import { apiGatewayEvent } from './support/events.js';
import { createTestTables, type TestTables } from './support/dynamo.js';

/**
 * The benchmark's peer (bench/peer/) is compared with the Stripe route only if it does what a
 * careful team's handler does: verify, apply each event once, answer a redelivery from its
 * idempotency record. Against DynamoDB Local, with the bench's own events.
 */
let tables: TestTables;
let context: BenchContext;
let peer: PeerTarget;
beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  tables = await createTestTables();
  const stripe = new StripeStandIn();
  await stripe.start();
  context = benchContextOn({ dynamo: { endpoint: tables.endpoint, pid: undefined, stop: async () => {} }, tables: tables.names, stripe });
  peer = await setupPeer(context, { memoryMb: 512, timeoutSeconds: 10 });
});
afterAll(async () => {
  peer.client.destroy();
  await context.stop();
  tables.db.destroy();
});

const send = (request: { body: string; headers: Record<string, string> }) =>
  peer.handler(apiGatewayEvent(peer.path, request.body, request.headers), lambdaContext('peer', 10));

describe('the peer: a Stripe webhook handler written from the Powertools and Stripe docs', () => {
  test('a signed payment event is applied once, and its redelivery is answered the same from the idempotency record without a second status write', async () => {
    const request = peer.request(1);
    const first = await send(request);
    const again = await send(request);
    expect(first).toMatchObject({ statusCode: 200 });
    expect(again.body).toBe(first.body);
    expect((await peer.applied.applied()).filter((key) => key === peer.applied.eventKeyOf(request.body))).toEqual(['evt_bench1']);
  });

  test('a wrong signature is answered 400 and nothing is written, so the real delivery of that event is still applied', async () => {
    const request = peer.request(2);
    const before = peer.counter.usage.writes;
    const forged = await send({ body: request.body, headers: { ...request.headers, 'stripe-signature': 't=1,v1=00' } });
    expect(forged.statusCode).toBe(400);
    expect(peer.counter.usage.writes).toBe(before);
    expect(await send(request)).toMatchObject({ statusCode: 200 });
    expect(await peer.applied.applied()).toContain('evt_bench2');
  });
});

describe('the load run’s deliveries', () => {
  test('each event is sent once, and one in ten again five places after it', () => {
    expect(deliveryOrder(100, 20)).toEqual([
      100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 104, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 114,
    ]);
  });
});

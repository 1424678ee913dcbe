import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { SAMPLE_RECIPIENT } from '../dev/environment.js';
import { villageSender } from '../dev/send/village.js';
import { stripeSender } from '../dev/send/stripe.js';
import { justWalletSender } from '../dev/send/just-wallet.js';
import type { SignedRequest } from '../dev/send/types.js';
import { pool, post, startTestGateway } from './support/local-gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
let gw: Gateway;
const db = () => makeDocumentClient({ endpoint: gw.dynamoEndpoint });

beforeAll(async () => {
  // This test is about exactly-once under load, not Village's deadline (the deadline has its
  // own tests): on a 2-core machine 200 simultaneous cash-outs can queue for seconds.
  process.env.VILLAGE_DEADLINE_MS = '14000';
  gw = await startTestGateway();
}, 60_000);
afterAll(async () => gw.stop());

const deliver = async (path: string, request: SignedRequest) => {
  const response = await post(`${gw.gateway.url}${path}`, request.body, Object.entries(request.headers));
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
};
const cashOut = (id: string) => villageSender.build({ secret: gw.secret('VILLAGE_WEBHOOK_SECRET'), options: { id } });
const creationsFor = (cashOutId: string) =>
  gw.stripe.standIn!.requests.filter(
    (r) => r.created && (r.params.metadata as Record<string, string> | undefined)?.cash_out_id === cashOutId,
  );
const ledgerItem = async (cashOutId: string) =>
  (await db().send(new GetCommand({ TableName: gw.tables.ledger, Key: { cashOutId } }))).Item as Record<string, unknown> | undefined;
const shuffle = <T>(items: T[]): T[] =>
  items
    .map((item) => [Math.random(), item] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, item]) => item);

describe('the local gateway under concurrent load, over HTTP', () => {
  jest.setTimeout(120_000);

  test('50 concurrent identical cash-outs create exactly one Stripe payout', async () => {
    const request = await cashOut(`co_same_${Date.now()}`);
    const cashOutId = (JSON.parse(request.body) as { cash_out_id: string }).cash_out_id;
    const responses = await Promise.all(Array.from({ length: 50 }, () => deliver('/webhooks/village/cash-out', request)));

    expect(creationsFor(cashOutId)).toHaveLength(1);
    expect(responses.every((r) => r.status === 200 || (r.status === 409 && r.body.error === 'cash_out_in_flight'))).toBe(true);
    expect(responses.some((r) => r.status === 200)).toBe(true);
    expect(await ledgerItem(cashOutId)).toMatchObject({ status: 'pending', answer: { statusCode: 200 } });
  });

  let distinct: { cashOutId: string; payoutId: string }[] = [];

  test('200 concurrent distinct cash-outs: each paid exactly once or refused with nothing paid, and none lost', async () => {
    const requests = await Promise.all(Array.from({ length: 200 }, (_, i) => cashOut(`co_many_${Date.now()}_${i}`)));
    const responses = await pool(
      requests.map((request) => () => deliver('/webhooks/village/cash-out', request)),
      200,
    );

    // The safety property, whatever the machine's load: a 200 means exactly one payout and a
    // ledger item that says so; any other answer means no payout, unless the ledger says
    // `unknown` (then at most one, for reconciliation). Every cash-out has its ledger item.
    for (const [i, response] of responses.entries()) {
      const cashOutId = (JSON.parse(requests[i]!.body) as { cash_out_id: string }).cash_out_id;
      const item = await ledgerItem(cashOutId);
      expect(item).toBeDefined();
      expect((item!.answer as { statusCode: number }).statusCode).toBe(response.status);
      if (response.status === 200) {
        expect(creationsFor(cashOutId)).toHaveLength(1);
        expect(item).toMatchObject({ status: 'pending', stripeObjectId: (response.body.stripe as { id: string }).id });
      } else {
        expect(creationsFor(cashOutId).length).toBeLessThanOrEqual(item!.status === 'unknown' ? 1 : 0);
      }
    }
    distinct = responses
      .filter((r) => r.status === 200)
      .map((r) => ({ cashOutId: String(r.body.cashOutId), payoutId: (r.body.stripe as { id: string }).id }));
    // On an idle machine all 200 are paid; under heavy load some may be refused in time.
    expect(distinct.length).toBeGreaterThanOrEqual(100);
  });

  test('interleaved, duplicated Stripe and Just Wallet status events for the same objects end in the right final states', async () => {
    expect(distinct.length).toBeGreaterThan(0);
    const followed = distinct.slice(0, 25);
    const base = Math.floor(Date.now() / 1000);
    const stripeEvents = await Promise.all(
      followed.flatMap(({ cashOutId, payoutId }) =>
        (['payout.created', 'payout.updated', 'payout.paid'] as const).map((type, step) =>
          stripeSender.build({
            type,
            secret: gw.secret('STRIPE_WEBHOOK_SECRET'),
            options: {
              payout: payoutId,
              'cash-out-id': cashOutId,
              account: SAMPLE_RECIPIENT.accountId,
              created: String(base + step),
              status: ['pending', 'in_transit', 'paid'][step],
            },
          }),
        ),
      ),
    );
    const walletIds = Array.from({ length: 25 }, (_, i) => `jw_payout_${Date.now()}_${i}`);
    const walletEvents = await Promise.all(
      walletIds.flatMap((id) =>
        ['pending', 'initiated', 'processing', 'completed'].map((status) =>
          justWalletSender.build({ type: 'payout', secret: gw.secret('JUST_WALLET_WEBHOOK_SECRET'), options: { id, status } }),
        ),
      ),
    );
    // Each event twice (a duplicate delivery), everything shuffled and sent at once.
    const deliveries = shuffle([
      ...[...stripeEvents, ...stripeEvents].map((request) => () => deliver('/webhooks/stripe', request)),
      ...[...walletEvents, ...walletEvents].map((request) => () => deliver('/webhooks/just-wallet', request)),
    ]);
    const responses = await pool(deliveries, 64);

    // A delivery of an event whose other delivery is still being applied is told to come
    // back later (409); nothing else may fail.
    expect(responses.filter((r) => r.status !== 200 && r.body.error !== 'event_in_flight')).toEqual([]);
    for (const { cashOutId } of followed) {
      expect(await ledgerItem(cashOutId)).toMatchObject({ status: 'paid' });
    }
    for (const id of walletIds) {
      const record = (await db().send(new GetCommand({ TableName: gw.tables.records, Key: { id, kind: 'just_wallet_payout' } }))).Item;
      expect(record).toMatchObject({ status: 'completed' });
    }
    // Nothing paid twice through all of it.
    const payouts = gw.stripe.standIn!.requests.filter((r) => r.created);
    expect(new Set(payouts.map((r) => r.idempotencyKey)).size).toBe(payouts.length);
  });
});

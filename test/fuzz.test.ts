import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import fc from 'fast-check';
import Stripe from 'stripe';
import { hmacSha256Hex } from '../functions/shared/hmac.js';
import { villageSignature } from '../functions/village-cash-out/signature.js';
import { villageSender } from '../dev/send/village.js';
import { pool, post, startTestGateway } from './support/local-gateway.js';

/**
 * Hostile input over real HTTP against the whole local gateway: generated bodies and
 * headers across the three routes. Bad input must never cause a 5xx, never a write, and
 * the gateway must still serve a good request afterwards.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
let gw: Gateway;

beforeAll(async () => {
  gw = await startTestGateway();
}, 60_000);
afterAll(async () => gw.stop());

const ROUTES = ['/webhooks/village/cash-out', '/webhooks/stripe', '/webhooks/just-wallet'] as const;
type Route = (typeof ROUTES)[number];

const hugeNumber = fc.oneof(
  fc.constant('1e400'),
  fc.constant('-1e400'),
  fc.bigInt({ min: 10n ** 30n, max: 10n ** 60n }).map(String),
  fc.constant('123456789012345678901234567890.123456789'),
  fc.constant('0.0000000000000000000000001'),
);
const hostileValue: fc.Arbitrary<string> = fc.oneof(
  fc.constant('null'),
  fc.constant('true'),
  fc.constant('[]'),
  fc.constant('{}'),
  fc.constant('""'),
  hugeNumber,
  fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)),
);
const deepNesting = fc
  .integer({ min: 100, max: 20_000 })
  .chain((depth) => fc.constantFrom('[', '{"a":').map((open) => open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth)));
const invalidUtf8 = fc
  .uint8Array({ minLength: 1, maxLength: 256 })
  .map((bytes) =>
    Buffer.concat([Buffer.from('{"amount":"'), Buffer.from(bytes), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]),
  );
/** Known shapes with at least one field of the wrong type or an impossible value. */
const wrongTypes = (route: Route) => {
  if (route === '/webhooks/village/cash-out') {
    return fc
      .tuple(
        hostileValue,
        fc.constantFrom('"USD"', '"JPY"', '7', '[]', 'null'),
        fc.constantFrom('"ada@example.com"', '{}', '42', '"not-an-email"'),
      )
      .map(
        ([amount, currency, email]) =>
          `{"cash_out_id":"co_fuzz_${Math.random().toString(36).slice(2)}","destination_email":${email},"amount":${amount},"currency":${currency}}`,
      );
  }
  if (route === '/webhooks/just-wallet') {
    // The id is never a string or number, so no known type can accept it; a type that is not
    // a string is malformed. (Numbers are read as their text, so 7 would be the type "7".)
    return fc
      .tuple(
        fc.constantFrom(
          '"payout"',
          '"collection"',
          '"funding"',
          '"quote_funding.success"',
          '"quote_creation.success"',
          '[]',
          '{}',
          'null',
          'true',
        ),
        fc.constantFrom('[]', '{}', 'true', 'null'),
        hostileValue,
      )
      .map(
        ([type, id, amount]) =>
          `{"event.type":${type},"data":{"id":${id},"amount":${amount},"charge":${amount},"status":[],"currency":{}}}`,
      );
  }
  return fc
    .tuple(fc.constantFrom('"payout.paid"', '"charge.succeeded"', '3', 'null'), hostileValue)
    .map(([type, value]) => `{"id":${value},"object":"event","type":${type},"created":${value},"data":{"object":${value}}}`);
};
const body = (route: Route): fc.Arbitrary<Buffer> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.json({ maxDepth: 6 }).map((text) => Buffer.from(text)) },
    { weight: 4, arbitrary: wrongTypes(route).map((text) => Buffer.from(text)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }).map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: deepNesting.map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
    { weight: 1, arbitrary: fc.integer({ min: 256 * 1024 + 1, max: 400 * 1024 }).map((size) => Buffer.alloc(size, 0x61)) },
  );

type SignatureChoice = 'none' | 'valid' | 'garbage' | 'duplicated' | 'upper-case-name' | 'stale';
const signatureHeaders = (route: Route, bytes: Buffer, choice: SignatureChoice, garbage: string): [string, string][] => {
  const village = () => villageSignature(gw.secret('VILLAGE_WEBHOOK_SECRET'), bytes);
  const stripe = (timestamp?: number) =>
    Stripe.webhooks.generateTestHeaderString({ payload: bytes.toString('utf8'), secret: gw.secret('STRIPE_WEBHOOK_SECRET'), timestamp });
  const wallet = () => hmacSha256Hex(gw.secret('JUST_WALLET_WEBHOOK_SECRET'), bytes);
  const [name, valid] =
    route === '/webhooks/village/cash-out'
      ? ['X-Village-Signature-256', village()]
      : route === '/webhooks/stripe'
        ? ['Stripe-Signature', stripe()]
        : ['Signature', wallet()];
  switch (choice) {
    case 'none':
      return [];
    case 'valid':
      return [[name, valid]];
    case 'garbage':
      return [[name, garbage]];
    case 'duplicated':
      return [
        [name, valid],
        [name, garbage],
      ];
    case 'upper-case-name':
      return [[name.toUpperCase(), valid]];
    case 'stale':
      return [[name, route === '/webhooks/stripe' ? stripe(Math.floor(Date.now() / 1000) - 3600) : garbage]];
  }
};

const cases = fc.constantFrom(...ROUTES).chain((route) =>
  fc.record({
    route: fc.constant(route),
    body: body(route),
    signature: fc.constantFrom<SignatureChoice>('none', 'valid', 'valid', 'garbage', 'duplicated', 'upper-case-name', 'stale'),
    garbage: fc.oneof(
      fc.string({ maxLength: 100 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      fc.constant('sha256='),
      fc.constant('t=1,v1=00'),
    ),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'APPLICATION/JSON; charset=latin1'),
  }),
);

describe('hostile input over HTTP', () => {
  jest.setTimeout(600_000);

  test(`${REQUESTS} generated requests across the three routes: never a 5xx, never a write, and the gateway stays up`, async () => {
    const before = await gw.itemCounts();
    const samples = fc.sample(cases, { numRuns: REQUESTS, seed: 20261122 });
    const statuses: Record<number, number> = {};
    const serverErrors: { route: string; status: number; body: string }[] = [];
    const started = Date.now();
    await pool(
      samples.map((sample) => async () => {
        const headers: [string, string][] = [
          ['Content-Type', sample.contentType],
          ...signatureHeaders(sample.route, sample.body, sample.signature, sample.garbage),
        ];
        const response = await post(`${gw.gateway.url}${sample.route}`, sample.body, headers);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status >= 500) serverErrors.push({ route: sample.route, status: response.status, body: response.body.slice(0, 200) });
      }),
      16,
    );
    const after = await gw.itemCounts();
    console.log(
      `fuzz: ${samples.length} requests in ${Date.now() - started} ms; answers by status ${JSON.stringify(statuses)}; items before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
    );

    expect(serverErrors).toEqual([]);
    expect(after).toEqual(before);
    const good = await villageSender.build({ secret: gw.secret('VILLAGE_WEBHOOK_SECRET'), options: {} });
    const response = await post(`${gw.gateway.url}/webhooks/village/cash-out`, good.body, Object.entries(good.headers));
    expect(response.status).toBe(200);
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { RECORD_FIELD_ROOM } from '../functions/just-wallet/payload.js';
import { justWalletEvent, justWalletHarness, type JustWalletBody, type JustWalletHarness } from './support/just-wallet.js';

/**
 * A quote's `meta`, `quote` and `errors` are the provider's, of any size a 256 KB body allows.
 * A record keeps the fields of each kind of quote event it receives; unbounded, two such events
 * pushed it past DynamoDB's 400 KB item limit, and every later delivery was a 500 (Just Wallet
 * retrying for ever, the event kept nowhere). A record keeps each field up to RECORD_FIELD_ROOM
 * and notes the size of one past it; the event's raw body is kept whole.
 */
let h: JustWalletHarness;
beforeAll(async () => {
  h = await justWalletHarness();
});
afterAll(() => h.stop());

/** Messages of random text (so they do not compress) totalling about `bytes`. */
const messages = (bytes: number) => Array.from({ length: Math.ceil(bytes / 502) }, () => randomBytes(375).toString('base64'));
/** About `bytes` of quote amounts, one per made-up currency code (codes are 3-10 letters or digits). */
const quotes = (bytes: number) =>
  Object.fromEntries(
    Array.from({ length: Math.ceil(bytes / 66) }, (_, index) => [
      `Q${index.toString(36).toUpperCase().padStart(6, '0')}`,
      { amount: '1.00', charge: '0.10', total: '1.10' },
    ]),
  );
const size = (body: JustWalletBody) => Buffer.byteLength(JSON.stringify(body));

describe('a Just Wallet quote whose events carry fields near the body limit', () => {
  test('is recorded and each event kept whole, never answered 5xx; the record notes the size of what it left out', async () => {
    const id = randomUUID();
    const creation = justWalletEvent('quote_creation.success', { id, errors: { [randomUUID()]: messages(240_000) } });
    const funding = justWalletEvent('quote_funding.failed', { id, errors: messages(240_000) });
    expect([size(creation), size(funding)].every((bytes) => bytes > 230_000 && bytes < 256 * 1024)).toBe(true);

    const answers = [await h.send(creation), await h.send(funding), await h.send(funding)];
    const record = await h.record('just_wallet_quote', id);
    console.log(
      JSON.stringify({
        sizes: [size(creation), size(funding)],
        answers: answers.map((a) => a.body.outcome ?? a.body.error),
        recordBytes: JSON.stringify(record).length,
      }),
    );

    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(answers.map((answer) => answer.body.outcome)).toEqual(['applied', 'applied', 'duplicate']);
    expect(record).toMatchObject({
      status: 'quote_funding.failed',
      creation: 'success',
      funding: 'failed',
      creation_errors_omitted_bytes: expect.any(Number),
      funding_errors_omitted_bytes: expect.any(Number),
    });
    expect(record).not.toHaveProperty('creation_errors');
    expect(record).not.toHaveProperty('funding_errors');
    for (const body of [creation, funding]) {
      const kept = await h.event(`just-wallet:${body['event.type'] as string}:${id}`);
      expect(JSON.parse(kept!.payload)).toEqual(body);
    }
  });

  test('with meta, quote and errors each just within the room, from every kind of quote event, the record stays far below 400 KB', async () => {
    const id = randomUUID();
    const room = RECORD_FIELD_ROOM - 2048;
    const meta = Array.from({ length: Math.floor(room / 203) }, () => `${randomUUID()}${'m'.repeat(160)}`);
    const bodies = [
      { ...justWalletEvent('quote_creation.success', { id, quote: quotes(room), errors: { [randomUUID()]: messages(room) } }), meta },
      justWalletEvent('quote_funding.failed', { id, errors: messages(room) }),
      justWalletEvent('quote_funding.success', { id, errors: messages(room) }),
      { ...justWalletEvent('quote_creation.failed', { id, errors: { [randomUUID()]: messages(room) } }), meta },
    ];
    const answers = [];
    for (const body of bodies) answers.push(await h.send(body));
    const record = await h.record('just_wallet_quote', id);
    const recordBytes = Buffer.byteLength(JSON.stringify(record));
    console.log(JSON.stringify({ sizes: bodies.map(size), answers: answers.map((a) => a.body.outcome ?? a.body.error), recordBytes }));
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200]);
    expect(record).toMatchObject({
      status: 'quote_funding.success',
      meta,
      funding_errors: expect.any(Array),
      creation_errors: expect.any(Object),
    });
    expect(Object.keys(record?.quote as object)).toHaveLength(Object.keys(bodies[0]!.data.quote as object).length);
    expect(recordBytes).toBeLessThan(200 * 1024);
  });

  test('a field within the room is kept in the record as sent', async () => {
    const id = randomUUID();
    const errors = messages(RECORD_FIELD_ROOM / 2);
    expect((await h.send(justWalletEvent('quote_funding.failed', { id, errors }))).statusCode).toBe(200);
    expect(await h.record('just_wallet_quote', id)).toMatchObject({ funding_errors: errors });
  });
});

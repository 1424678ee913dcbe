import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, test } from '@jest/globals';
import { packBody, unpackBody } from '../functions/shared/record-model.js';
import { STRIPE_BODY_DICTIONARY_V1 } from '../functions/shared/stripe-body-dictionary-v1.js';
import { fixture, fixtureNames } from '../dev/send/fixtures.js';

/**
 * Raw bodies as records keep them: packed with DEFLATE, a Stripe body with a preset dictionary
 * of Stripe's object shapes, unpacked byte for byte, for ever.
 */
const stripeBodies = fixtureNames('stripe').map((name) => [name, fixture('stripe', name)] as const);

describe('a Stripe body packed with the dictionary', () => {
  test.each(stripeBodies)('%s comes back byte for byte, pretty-printed as Stripe sends it or compact', (_name, text) => {
    const pretty = JSON.stringify(JSON.parse(text), null, 2);
    const compact = JSON.stringify(JSON.parse(text));
    for (const raw of [text, pretty, compact, `${pretty}\n`]) {
      expect(unpackBody(packBody(raw, 'stripe-v1'))).toBe(raw);
    }
  });

  test('is about half the size it is without the dictionary, for payment events', () => {
    for (const type of ['payment_intent.succeeded', 'charge.succeeded', 'charge.updated']) {
      // Ids and amounts of another payment: none of them is in the dictionary.
      const event = JSON.parse(fixture('stripe', type)) as { id: string; data: { object: Record<string, unknown> } };
      const raw = JSON.stringify(
        {
          ...event,
          id: 'evt_1QbCdEfGhIjKlMnOpQrStUvW',
          data: { object: { ...event.data.object, id: 'pi_3QbCdEfGhIjKlMnOpQrStUvW', amount: 73_215 } },
        },
        null,
        2,
      );
      const packed = packBody(raw, 'stripe-v1');
      expect(packed.length).toBeLessThan(packBody(raw).length * 0.6);
      expect(unpackBody(packed)).toBe(raw);
    }
  });

  test('starts with a marker no plain DEFLATE stream starts with, so it is never read without its dictionary', () => {
    const packed = packBody(fixture('stripe', 'charge.succeeded'), 'stripe-v1');
    expect(packed[0]).toBe(0xd7);
    // Block type 3 (bits 1–2 set) is reserved: zlib refuses it rather than inflating garbage.
    expect(() => inflateRawSync(packed)).toThrow(/invalid block type/);
  });

  test('any body packed before the dictionary (plain DEFLATE) still unpacks', () => {
    for (const [, text] of stripeBodies.slice(0, 5)) expect(unpackBody(deflateRawSync(Buffer.from(text, 'utf8')))).toBe(text);
    expect(unpackBody(packBody('{"just":"wallet"}'))).toBe('{"just":"wallet"}');
  });
});

describe('the dictionary (v1)', () => {
  test('is never edited: bodies packed with it need exactly these bytes', () => {
    expect(createHash('sha256').update(STRIPE_BODY_DICTIONARY_V1).digest('hex')).toBe(
      '8f11dc936c42660fc0c74ede9a7811562d87aa390bcfa7d7be497a67c849a350',
    );
  });

  test("holds Stripe's shapes only: keys and its vocabulary, never an id, amount, name, address, URL or time", () => {
    const strings = [...STRIPE_BODY_DICTIONARY_V1.matchAll(/: "([^"]*)"/g)].map((match) => match[1]!);
    expect(strings.length).toBeGreaterThan(100);
    for (const value of strings) expect(value).toMatch(/^([a-z][a-z_.]*)?$/);
    const numbers = [...STRIPE_BODY_DICTIONARY_V1.matchAll(/: (-?[\d.]+)/g)].map((match) => match[1]);
    expect(new Set(numbers)).toEqual(new Set(['0']));
    expect(STRIPE_BODY_DICTIONARY_V1).not.toMatch(/@|https?:|\b(?:evt|pi|ch|cus|po|tr|acct|txn|re|dp)_[A-Za-z0-9]/);
    // Within DEFLATE's 32 KB window, so every byte of it can be matched.
    expect(Buffer.byteLength(STRIPE_BODY_DICTIONARY_V1)).toBeLessThanOrEqual(32 * 1024);
  });
});

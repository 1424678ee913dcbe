import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { currencyExponent, toMinorUnits } from '../functions/shared/money.js';
import { ValidationError } from '../functions/shared/errors.js';
import { staticSecret } from '../functions/shared/secrets.js';
import { verifyVillageSignature, villageSignature } from '../functions/village-cash-out/signature.js';
import { justWalletSignature, verifyJustWalletSignature } from '../functions/just-wallet/signature.js';
import { verifyStripeEvent } from '../functions/stripe-events/event.js';
import Stripe from 'stripe';

const CURRENCIES = ['USD', 'EUR', 'JPY', 'KRW', 'KWD', 'BHD', 'ISK', 'HUF', 'TWD', 'GBP', 'XOF'];
const RUNS = { numRuns: 500 };

describe('money conversion (property-based)', () => {
  test('any amount the currency can hold converts exactly: minor units × 10^-exponent is the amount', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCIES),
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.constantFrom<'payout' | 'transfer'>('payout', 'transfer'),
        (currency, minor, kind) => {
          const exponent = currencyExponent(currency);
          const major = new Decimal(minor.toString()).dividedBy(new Decimal(10).pow(exponent)).toFixed(exponent);
          try {
            const result = toMinorUnits(major, currency, kind);
            expect(BigInt(result)).toBe(minor);
          } catch (error) {
            // Only the currency's own rules may refuse it, and never by rounding.
            expect(error).toBeInstanceOf(ValidationError);
            expect((error as Error).message).toMatch(/whole units|multiple of 0.010/);
          }
        },
      ),
      RUNS,
    );
  });

  test('an amount with more decimals than the currency has is always refused, never rounded', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCIES),
        fc.nat({ max: 10 ** 9 }),
        fc.integer({ min: 1, max: 9 }),
        (currency, whole, lastDigit) => {
          const exponent = currencyExponent(currency);
          const amount = `${whole}.${'0'.repeat(exponent)}${lastDigit}`;
          expect(() => toMinorUnits(amount, currency, 'payout')).toThrow(ValidationError);
        },
      ),
      RUNS,
    );
  });

  test('arbitrary text is either a valid amount or a ValidationError — never another error, never a float', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.constantFrom(...CURRENCIES), (amount, currency) => {
        try {
          const minor = toMinorUnits(amount, currency, 'payout');
          expect(Number.isSafeInteger(minor)).toBe(true);
          expect(minor).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
        }
      }),
      RUNS,
    );
  });
});

describe('Village signature verification (property-based)', () => {
  const headersFor = (signature: string) => ({ 'x-village-signature-256': signature });

  test('a body signed with the secret always verifies, whatever its bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), async (bytes, secret) => {
        const body = Buffer.from(bytes);
        await expect(
          verifyVillageSignature(headersFor(villageSignature(secret, body)), body, staticSecret(secret, 'S')),
        ).resolves.toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  test('changing any byte of the body, or any hex digit of the signature, makes it fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (bytes, at, flip, inSignature) => {
          const secret = 'property-secret';
          const body = Buffer.from(bytes);
          let signature = villageSignature(secret, body);
          const sent = Buffer.from(body);
          if (inSignature) {
            const index = 'sha256='.length + (at % 64);
            const digit = signature[index]!;
            const replaced = ((parseInt(digit, 16) + (flip % 15) + 1) % 16).toString(16);
            signature = signature.slice(0, index) + replaced + signature.slice(index + 1);
          } else {
            sent[at % sent.length] = sent[at % sent.length]! ^ flip;
          }
          await expect(verifyVillageSignature(headersFor(signature), sent, staticSecret(secret, 'S'))).rejects.toMatchObject({
            statusCode: 401,
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Just Wallet signature verification (property-based)', () => {
  const rawBody = (bytes: Buffer) => ({ bytes, text: bytes.toString('utf8') });

  test('the secret itself, or the HMAC of the body, always verifies in auto mode; neither survives a changed byte or digit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 1024 }),
        fc.stringMatching(/^[A-Za-z0-9]{16,48}$/),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (bytes, secret, at, flip) => {
          const body = Buffer.from(bytes);
          const source = staticSecret(secret, 'S');
          await expect(verifyJustWalletSignature({ signature: secret }, rawBody(body), source, 'auto')).resolves.toBeUndefined();
          await expect(
            verifyJustWalletSignature({ Signature: justWalletSignature(secret, body, 'hmac') }, rawBody(body), source, 'auto'),
          ).resolves.toBeUndefined();
          const changed = Buffer.from(body);
          changed[at % changed.length] = changed[at % changed.length]! ^ flip;
          if (changed.toString('utf8') !== body.toString('utf8')) {
            await expect(
              verifyJustWalletSignature({ Signature: justWalletSignature(secret, body, 'hmac') }, rawBody(changed), source, 'hmac'),
            ).rejects.toMatchObject({ statusCode: 401 });
          }
          const wrongSecret = secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a');
          await expect(verifyJustWalletSignature({ Signature: wrongSecret }, rawBody(body), source, 'auto')).rejects.toMatchObject({
            statusCode: 401,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a formatted body is accepted on an HMAC of its compact form whenever its numbers read back as written', async () => {
    // JSON.stringify writes each double in its shortest form, so a body formatted from it has
    // only numbers that the exact re-serialisation writes back unchanged.
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.constantFrom(1, 2, '\t'), async (value, space) => {
        const compact = JSON.stringify(value);
        const formatted = Buffer.from(JSON.stringify(value, null, space));
        const signature = justWalletSignature('formatted-body-secret', compact, 'hmac');
        await expect(
          verifyJustWalletSignature({ Signature: signature }, rawBody(formatted), staticSecret('formatted-body-secret', 'S'), 'hmac'),
        ).resolves.toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('Stripe signature verification (property-based)', () => {
  const clock = { now: () => Date.now() };
  const secret = 'whsec_property_secret';

  test('a body signed with the endpoint secret never fails the signature check; any changed character always does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 1024 }), fc.nat(), async (text, at) => {
        const header = Stripe.webhooks.generateTestHeaderString({ payload: text, secret });
        const verify = (body: string) =>
          verifyStripeEvent({ 'stripe-signature': header }, body, { secrets: [staticSecret(secret, 'S')], toleranceSeconds: 300, clock });
        // Verified: either the event, or (for a body that is not JSON) a 400 that is not about the signature.
        await verify(text).then(
          () => undefined,
          (error: { reason?: string }) => expect(error.reason).toBe('malformed_json'),
        );
        const index = at % text.length;
        const changed = text.slice(0, index) + (text[index] === 'x' ? 'y' : 'x') + text.slice(index + 1);
        await expect(verify(changed)).rejects.toMatchObject({ statusCode: 400, reason: 'signature_mismatch' });
      }),
      { numRuns: 300 },
    );
  });
});

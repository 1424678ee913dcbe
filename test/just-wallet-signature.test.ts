import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { hmacSha256Hex } from '../functions/shared/hmac.js';
import { staticSecret } from '../functions/shared/secrets.js';
import { verifyJustWalletSignature } from '../functions/just-wallet/signature.js';
import { JUST_WALLET_SECRET, justWalletEvent, justWalletHarness, type JustWalletHarness } from './support/just-wallet.js';
import { capturingLogger } from './support/telemetry.js';

const harnesses: JustWalletHarness[] = [];
const harness = async (...args: Parameters<typeof justWalletHarness>) => {
  const h = await justWalletHarness(...args);
  harnesses.push(h);
  return h;
};
afterAll(async () => Promise.all(harnesses.map((h) => h.stop())));

let secretMode: JustWalletHarness;
let hmacMode: JustWalletHarness;
let autoMode: JustWalletHarness;
beforeAll(async () => {
  [secretMode, hmacMode, autoMode] = await Promise.all([
    harness({ signatureMode: 'secret' }),
    harness({ signatureMode: 'hmac' }),
    harness({ signatureMode: 'auto' }),
  ]);
});

const expectRefusedAndNothingStored = async (
  h: JustWalletHarness,
  response: { statusCode: number; body: Record<string, unknown> },
  reason: string,
) => {
  expect(response.statusCode).toBe(401);
  expect(response.body).toEqual({ error: reason, message: expect.any(String) });
  expect(await h.itemCount()).toBe(0);
};

describe('in secret mode (the Signature header is the webhook secret itself)', () => {
  test('an event carrying the secret is recorded', async () => {
    const event = justWalletEvent('payout');
    expect((await secretMode.send(event, { mode: 'secret' })).statusCode).toBe(200);
    expect(await secretMode.record('just_wallet_payout', String(event.data.id))).toBeDefined();
  });

  test('an HMAC of the body is not accepted', async () => {
    const h = await harness({ signatureMode: 'secret' });
    await expectRefusedAndNothingStored(h, await h.send(justWalletEvent('payout'), { mode: 'hmac' }), 'signature_mismatch');
  });
});

describe('in HMAC mode (the header is the hex HMAC-SHA256 of the body, keyed with the secret)', () => {
  test('an HMAC of the raw body is accepted, in either case of hex', async () => {
    const body = JSON.stringify(justWalletEvent('payout'));
    expect((await hmacMode.send(body, { mode: 'hmac' })).statusCode).toBe(200);
    const other = JSON.stringify(justWalletEvent('payout'));
    expect((await hmacMode.send(other, { signature: hmacSha256Hex(JUST_WALLET_SECRET, other).toUpperCase() })).statusCode).toBe(200);
  });

  test("an HMAC of the body's compact re-serialisation is accepted when the body was sent formatted", async () => {
    const event = justWalletEvent('payout');
    const formatted = JSON.stringify(event, null, 2);
    const response = await hmacMode.send(formatted, { signature: hmacSha256Hex(JUST_WALLET_SECRET, JSON.stringify(event)) });

    expect(response.statusCode).toBe(200);
    expect(await hmacMode.event(`just-wallet:payout:${event.data.id}:pending`)).toMatchObject({ payload: formatted });
  });

  test('a formatted body with plain numbers, signed over its compact form, is accepted and stored with the numbers as sent', async () => {
    const event = justWalletEvent('payout');
    const compact = JSON.stringify(event).replace('"amount":"250.00"', '"amount":100.5');
    const formatted = JSON.stringify(JSON.parse(compact), null, 2);
    const response = await hmacMode.send(formatted, { signature: hmacSha256Hex(JUST_WALLET_SECRET, compact) });

    expect(response.statusCode).toBe(200);
    expect(await hmacMode.record('just_wallet_payout', String(event.data.id))).toMatchObject({ amount: '100.5' });
  });

  test('a body whose number is not the one signed is refused, though it reads as the same double (100.5000000000000001 is not 100.5)', async () => {
    const h = await harness({ signatureMode: 'hmac' });
    const event = justWalletEvent('payout');
    const signed = JSON.stringify(event).replace('"amount":"250.00"', '"amount":100.5');
    const forged = signed.replace('"amount":100.5', '"amount":100.5000000000000001');
    // The forged body's JSON.stringify(JSON.parse()) is the signed body: the doubles are equal.
    expect(JSON.stringify(JSON.parse(forged))).toBe(signed);

    await expectRefusedAndNothingStored(
      h,
      await h.send(forged, { signature: hmacSha256Hex(JUST_WALLET_SECRET, signed) }),
      'signature_mismatch',
    );
    expect((await h.send(signed, { mode: 'hmac' })).statusCode).toBe(200);
    expect(await h.record('just_wallet_payout', String(event.data.id))).toMatchObject({ amount: '100.5' });
  });

  test('the secret itself is not accepted', async () => {
    const h = await harness({ signatureMode: 'hmac' });
    await expectRefusedAndNothingStored(h, await h.send(justWalletEvent('payout'), { mode: 'secret' }), 'signature_mismatch');
  });

  test('a base64-encoded body is checked against its bytes', async () => {
    expect(
      (await hmacMode.send(JSON.stringify(justWalletEvent('payout', { rail: 'SEPA – é' })), { mode: 'hmac', base64: true })).statusCode,
    ).toBe(200);
  });
});

describe('in auto mode (the default)', () => {
  test.each(['secret', 'hmac'] as const)('a %s signature is accepted', async (mode) => {
    expect((await autoMode.send(justWalletEvent('funding'), { mode })).statusCode).toBe(200);
  });
});

describe('a missing or wrong signature', () => {
  test.each([
    ['no Signature header', { signature: null }, 'signature_missing'],
    ['an empty Signature header', { signature: '  ' }, 'signature_missing'],
    ['another secret', { secret: 'not-the-secret' }, 'signature_mismatch'],
    ['an HMAC keyed with another secret', { secret: 'not-the-secret', mode: 'hmac' as const }, 'signature_mismatch'],
    ['an HMAC of another body', { signature: hmacSha256Hex(JUST_WALLET_SECRET, '{}') }, 'signature_mismatch'],
    ['the secret under another header', { headerName: 'x-signature' }, 'signature_missing'],
  ])('(%s) is answered 401, and nothing is stored', async (_, options, reason) => {
    const h = await harness();
    await expectRefusedAndNothingStored(h, await h.send(justWalletEvent('payout'), options), reason);
  });

  test('is refused before the body is read: a body that is not JSON gets 401, not 400', async () => {
    const h = await harness();
    await expectRefusedAndNothingStored(
      h,
      await h.send('not json at all', { signature: hmacSha256Hex('wrong', 'not json at all') }),
      'signature_mismatch',
    );
    expect((await h.send('not json at all', { mode: 'hmac' })).statusCode).toBe(400);
  });

  test('is never written to the log, nor is the secret', async () => {
    const { logger, lines } = capturingLogger();
    const h = await harness({ logger });
    const wrong = hmacSha256Hex('a-guess', 'x');
    await h.send(justWalletEvent('payout'), { signature: wrong });
    await h.send(justWalletEvent('payout'));

    const logged = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThan(1);
    expect(logged).not.toContain(wrong);
    expect(logged).not.toContain(JUST_WALLET_SECRET);
  });
});

describe('during a secret rotation', () => {
  const rotating = staticSecret(JSON.stringify({ current: 'new-secret', previous: JUST_WALLET_SECRET }), 'JUST_WALLET_WEBHOOK_SECRET');

  test.each(['secret', 'hmac'] as const)('both the current and the previous secret are accepted (%s)', async (mode) => {
    const h = await harness({ webhookSecret: rotating });
    expect((await h.send(justWalletEvent('payout'), { mode, secret: 'new-secret' })).statusCode).toBe(200);
    expect((await h.send(justWalletEvent('payout'), { mode, secret: JUST_WALLET_SECRET })).statusCode).toBe(200);
    expect((await h.send(justWalletEvent('payout'), { mode, secret: 'older-secret' })).statusCode).toBe(401);
  });
});

describe('the Signature header', () => {
  test.each(['Signature', 'signature', 'SIGNATURE'])('is found whatever its case (%s)', async (name) => {
    const body = Buffer.from('{}');
    const secret = staticSecret(JUST_WALLET_SECRET, 'JUST_WALLET_WEBHOOK_SECRET');
    await expect(
      verifyJustWalletSignature({ [name]: JUST_WALLET_SECRET }, { bytes: body, text: '{}' }, secret, 'auto'),
    ).resolves.toBeUndefined();
    await expect(verifyJustWalletSignature({ [name]: 'wrong' }, { bytes: body, text: '{}' }, secret, 'auto')).rejects.toMatchObject({
      statusCode: 401,
    });
  });
});

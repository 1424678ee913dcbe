import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { staticSecret } from '../functions/shared/secrets.js';
import { boundedStripeCall, describeStripeError, isRetryable } from '../functions/shared/stripe.js';
import { makeStripe } from '../functions/shared/stripe-sdk.js';
import { villageSignature } from '../functions/village-cash-out/signature.js';
import { newLedgerItem } from './support/ledger-items.js';
import { capturingLogger } from './support/telemetry.js';
import { cashOut, VILLAGE_SECRET, villageHarness, type VillageHarness } from './support/village.js';

let h: VillageHarness;
/** Currencies beside the five with default limits are paid once an operator sets theirs. */
async function allowCurrencies(harness: VillageHarness, ...currencies: string[]) {
  for (const currency of currencies)
    await harness.limits.set(currency, { perCashOut: '1000000', perRecipientDay: '1000000', perDay: '1000000' }, 'test');
}

beforeAll(async () => {
  h = await villageHarness();
  await allowCurrencies(h, 'JPY', 'KWD', 'ISK', 'HUF');
  await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
  await h.recipients.put('grace@example.com', 'acct_1Grace', new Date());
});
afterAll(async () => h.stop());
beforeEach(() => h.stripe.clearFaults());

const creationsFor = (cashOutId: unknown) =>
  h.stripe.requests.filter((r) => r.created && (r.params.metadata as Record<string, string> | undefined)?.cash_out_id === cashOutId);
const requestsFor = (cashOutId: unknown) =>
  h.stripe.requests.filter(
    (r) => r.method === 'POST' && (r.params.metadata as Record<string, string> | undefined)?.cash_out_id === cashOutId,
  );

describe('a Village cash-out', () => {
  test('is paid once through a Stripe payout on the connected account, and answered 200', async () => {
    const request = cashOut({ amount: '20.15', currency: 'USD' });
    const response = await h.send(request);

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ cashOutId: request.cash_out_id, status: 'pending', amount: '20.15', currency: 'USD' });
    const creations = creationsFor(request.cash_out_id);
    expect(creations).toHaveLength(1);
    expect(creations[0]).toMatchObject({
      path: '/v1/payouts',
      stripeAccount: 'acct_1Ada',
      idempotencyKey: `village-cash-out:${request.cash_out_id}`,
      params: { amount: '2015', currency: 'usd' },
    });
    const item = await h.ledger.get(String(request.cash_out_id));
    expect(item).toMatchObject({
      status: 'pending',
      stripeObjectId: (response.body.stripe as { id: string }).id,
      stripeObjectType: 'payout',
      amountMinor: 2015,
      accountId: 'acct_1Ada',
      answer: { statusCode: 200 },
      answerState: 'given',
    });
  });

  test('keeps the payload as received, unknown fields included', async () => {
    const request = cashOut({ award_id: 'award_99', extra: { nested: [1, 2.5] } });
    const body = JSON.stringify(request);
    await h.send(body);
    expect((await h.ledger.get(String(request.cash_out_id)))?.payload).toBe(body);
  });

  test('an amount sent as a JSON number is converted exactly (20.15 → 2015)', async () => {
    const id = `co_num_${Date.now()}`;
    const body = `{"cash_out_id":"${id}","destination_email":"ada@example.com","amount":20.15,"currency":"usd"}`;
    const response = await h.send(body);
    expect(response.statusCode).toBe(200);
    expect(creationsFor(id)[0]?.params.amount).toBe('2015');
  });

  test.each([
    ['1000', 'JPY', '1000'],
    ['1.23', 'KWD', '1230'],
    ['100', 'ISK', '10000'],
    ['100', 'HUF', '10000'],
  ])('%s %s is paid as %s minor units', async (amount, currency, minor) => {
    const request = cashOut({ amount, currency });
    expect((await h.send(request)).statusCode).toBe(200);
    expect(creationsFor(request.cash_out_id)[0]?.params).toMatchObject({ amount: minor, currency: currency.toLowerCase() });
  });

  test.each([
    ['1.005', 'USD'],
    ['10.5', 'JPY'],
    ['1.235', 'KWD'],
    ['100.50', 'ISK'],
    ['100.5', 'HUF'],
    ['-1.00', 'USD'],
    ['0', 'USD'],
    ['10', 'DOLLARS'],
  ])('%s %s is refused with 400, nothing stored or paid', async (amount, currency) => {
    const request = cashOut({ amount, currency });
    const response = await h.send(request);
    expect(response.statusCode).toBe(400);
    expect(response.body.error).toMatch(/invalid_amount|invalid_currency/);
    expect(await h.ledger.get(String(request.cash_out_id))).toBeUndefined();
    expect(requestsFor(request.cash_out_id)).toHaveLength(0);
  });

  test('matches the recipient by email whatever its case and surrounding spaces', async () => {
    const request = cashOut({ destination_email: '  Grace@Example.COM ' });
    expect((await h.send(request)).statusCode).toBe(200);
    expect(creationsFor(request.cash_out_id)[0]?.stripeAccount).toBe('acct_1Grace');
  });

  test('a Unicode payload is verified over its UTF-8 bytes and paid', async () => {
    const request = cashOut({ note: 'Prämie für Zoë — 奖金 🎉', program: { name: 'Ünïcödé ✓' } });
    const response = await h.send(request);
    expect(response.statusCode).toBe(200);
    expect((await h.ledger.get(String(request.cash_out_id)))?.payload).toContain('奖金 🎉');
  });

  test('a base64-encoded body (as API Gateway may deliver it) is verified over the decoded bytes', async () => {
    const request = cashOut({ note: 'base64 ✓' });
    expect((await h.send(request, { base64: true })).statusCode).toBe(200);
    expect(creationsFor(request.cash_out_id)).toHaveLength(1);
  });

  test('without an id in the payload, the SHA-256 of the body is the cash-out id, so a redelivery is still recognised', async () => {
    const { cash_out_id: _, ...request } = cashOut({ amount: '3.21' });
    const body = JSON.stringify({ ...request, nonce: Math.random() });
    const first = await h.send(body);
    const again = await h.send(body);
    expect(first.statusCode).toBe(200);
    expect(String(first.body.cashOutId)).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(again.body).toEqual(first.body);
    expect(creationsFor(first.body.cashOutId)).toHaveLength(1);
  });
});

describe('a cold start', () => {
  test("a cash-out is paid without formatting a single stack trace (under --enable-source-maps the first one parses the whole bundle's source map)", async () => {
    const formatted: number[] = [];
    const original = Error.prepareStackTrace;
    Error.prepareStackTrace = (error, frames) => {
      formatted.push(frames.length);
      return original ? original(error, frames) : `${String(error)}${frames.map((frame) => `\n    at ${String(frame)}`).join('')}`;
    };
    try {
      const response = await h.send(cashOut());
      expect(response.statusCode).toBe(200);
    } finally {
      Error.prepareStackTrace = original;
    }
    // The Stripe SDK captures its caller's stack on every request; it is started with none to capture.
    expect(formatted.filter((frames) => frames > 0)).toEqual([]);
  });

  test('a Stripe failure raised after the call started is still a typed Stripe error with its own stack, and stack traces are back on', async () => {
    const resetting = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    try {
      const stripe = makeStripe('sk_test_reset', `http://127.0.0.1:${(resetting.address() as AddressInfo).port}`);
      const error = await boundedStripeCall(2000, 'Reading the account', () => stripe.accounts.retrieve('acct_1Ada')).catch(
        (caught: unknown) => caught,
      );
      expect(describeStripeError(error)).toMatchObject({ type: 'StripeConnectionError' });
      expect(isRetryable(describeStripeError(error)!)).toBe(true);
      expect((error as Error).stack).toMatch(/\n\s+at /);
      expect(new Error('after').stack).toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => resetting.close(resolve));
    }
  });
});

describe('transfer mode', () => {
  let t: VillageHarness;
  beforeAll(async () => {
    t = await villageHarness({ mode: 'transfer' });
    await allowCurrencies(t, 'HUF');
    await t.recipients.put('ada@example.com', 'acct_1Ada', new Date());
  });
  afterAll(async () => t.stop());

  test('moves platform money to the connected account with a transfer, grouped by cash-out id', async () => {
    const request = cashOut({ amount: '100.50', currency: 'HUF' });
    const response = await t.send(request);
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ status: 'paid', stripe: { object: 'transfer' } });
    const created = t.stripe.requests.filter((r) => r.created);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      path: '/v1/transfers',
      stripeAccount: undefined,
      params: {
        amount: '10050',
        currency: 'huf',
        destination: 'acct_1Ada',
        transfer_group: request.cash_out_id,
        metadata: { cash_out_id: request.cash_out_id },
      },
    });
    expect(await t.ledger.get(String(request.cash_out_id))).toMatchObject({
      status: 'paid',
      mode: 'transfer',
      stripeObjectType: 'transfer',
    });
  });
});

describe('duplicates', () => {
  test('a duplicate cash-out is answered from the ledger without a second payout', async () => {
    const request = cashOut();
    const first = await h.send(request);
    const second = await h.send(request);
    expect(second.statusCode).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers['x-idempotent-replayed']).toBe('true');
    expect(requestsFor(request.cash_out_id)).toHaveLength(1);
    // The first delivery's lease still runs: the duplicate took its 200 over before repeating it.
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({ answer: { statusCode: 200 }, answerState: 'adopted' });
  });

  test('20 concurrent deliveries of one cash-out create exactly one payout, and every one of them is answered with its 200', async () => {
    const request = cashOut({ amount: '7.77' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => h.send(request)));
    expect(creationsFor(request.cash_out_id)).toHaveLength(1);
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    expect(new Set(responses.map((r) => (r.body.stripe as { id: string }).id)).size).toBe(1);
  });

  test('a cash-out id reused for a different amount is refused with 409 and pays nothing more', async () => {
    const request = cashOut({ amount: '5.00' });
    await h.send(request);
    const reused = await h.send({ ...request, amount: '500.00' });
    expect(reused.statusCode).toBe(409);
    expect(reused.body.error).toBe('cash_out_id_reused');
    expect(requestsFor(request.cash_out_id)).toHaveLength(1);
    expect((await h.ledger.get(String(request.cash_out_id)))?.amount).toBe('5.00');
  });
});

describe('signatures', () => {
  const refusedAndUntouched = async (
    request: Record<string, unknown>,
    response: { statusCode: number; body: Record<string, unknown> },
    reason: string,
  ) => {
    expect(response.statusCode).toBe(401);
    expect(response.body.error).toBe(reason);
    expect(await h.ledger.get(String(request.cash_out_id))).toBeUndefined();
    expect(requestsFor(request.cash_out_id)).toHaveLength(0);
  };

  test('a missing signature is refused with 401 and nothing is stored', async () => {
    const request = cashOut();
    await refusedAndUntouched(request, await h.send(request, { signature: null }), 'signature_missing');
  });

  test('a signature made with another secret is refused with 401', async () => {
    const request = cashOut();
    await refusedAndUntouched(request, await h.send(request, { secret: 'not-the-secret' }), 'signature_mismatch');
  });

  test('a signature without the sha256= prefix is refused with 401', async () => {
    const request = cashOut();
    const bare = villageSignature(VILLAGE_SECRET, JSON.stringify(request)).slice('sha256='.length);
    await refusedAndUntouched(request, await h.send(request, { signature: bare }), 'signature_malformed');
  });

  test('a signature over a re-serialised body does not verify the bytes sent', async () => {
    const request = cashOut();
    const sent = JSON.stringify(request, null, 2);
    await refusedAndUntouched(
      request,
      await h.send(sent, { signature: villageSignature(VILLAGE_SECRET, JSON.stringify(request)) }),
      'signature_mismatch',
    );
  });

  test('a valid signature for a tampered amount is refused', async () => {
    const request = cashOut({ amount: '1.00' });
    const signature = villageSignature(VILLAGE_SECRET, JSON.stringify(request));
    await refusedAndUntouched(request, await h.send({ ...request, amount: '1000.00' }, { signature }), 'signature_mismatch');
  });

  test('each configured header name is accepted (X-Hub-Signature-256 here)', async () => {
    const request = cashOut();
    const body = JSON.stringify(request);
    const response = await h.send(body, { signature: null, headers: { 'X-Hub-Signature-256': villageSignature(VILLAGE_SECRET, body) } });
    expect(response.statusCode).toBe(200);
  });

  test('during rotation the previous secret is still accepted', async () => {
    const rotating = await villageHarness({
      villageSecret: staticSecret(JSON.stringify({ current: 'new-secret', previous: VILLAGE_SECRET }), 'VILLAGE_WEBHOOK_SECRET'),
    });
    await rotating.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    try {
      expect((await rotating.send(cashOut())).statusCode).toBe(200);
      expect((await rotating.send(cashOut(), { secret: 'new-secret' })).statusCode).toBe(200);
      expect((await rotating.send(cashOut(), { secret: 'older-secret' })).statusCode).toBe(401);
    } finally {
      await rotating.stop();
    }
  });
});

describe('malformed and unpayable cash-outs', () => {
  test.each([
    ['not JSON', '{"cash_out_id": "co_x", ', 'malformed_json'],
    ['an array', '[1,2]', 'malformed_payload'],
    ['no destination_email', JSON.stringify({ cash_out_id: 'co_missing_email', amount: '1.00', currency: 'USD' }), 'malformed_payload'],
    [
      'no amount',
      JSON.stringify({ cash_out_id: 'co_missing_amount', destination_email: 'ada@example.com', currency: 'USD' }),
      'malformed_payload',
    ],
    [
      'an invalid email',
      JSON.stringify({ cash_out_id: 'co_bad_email', destination_email: 'not-an-email', amount: '1.00', currency: 'USD' }),
      'malformed_payload',
    ],
    [
      'a boolean amount',
      JSON.stringify({ cash_out_id: 'co_bool', destination_email: 'ada@example.com', amount: true, currency: 'USD' }),
      'malformed_payload',
    ],
    [
      'a key given twice',
      '{"cash_out_id":"co_dup_key","destination_email":"ada@example.com","amount":"1.00","amount":"900.00","currency":"USD"}',
      'malformed_json',
    ],
  ])('%s → 400, nothing stored or paid', async (_, body, reason) => {
    const before = h.stripe.requests.length;
    const response = await h.send(body);
    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe(reason);
    expect(typeof response.body.message).toBe('string');
    expect(h.stripe.requests.length).toBe(before);
    const id = /"cash_out_id":\s*"([^"]+)"/.exec(body)?.[1];
    if (id) expect(await h.ledger.get(id)).toBeUndefined();
  });

  test('a body over the size limit is refused with 413 before any work', async () => {
    const request = cashOut({ padding: 'x'.repeat(300 * 1024) });
    const response = await h.send(request);
    expect(response.statusCode).toBe(413);
    expect(await h.ledger.get(String(request.cash_out_id))).toBeUndefined();
  });

  test('an unknown recipient gets 400, a ledger record of the refusal, and no Stripe call', async () => {
    const { logger, lines } = capturingLogger();
    const quiet = await villageHarness({ logger });
    try {
      const request = cashOut({ destination_email: 'nobody.known@example.org' });
      const response = await quiet.send(request);
      expect(response.statusCode).toBe(400);
      expect(response.body.error).toBe('unknown_recipient');
      expect(await quiet.ledger.get(String(request.cash_out_id))).toMatchObject({
        status: 'rejected',
        reason: 'unknown_recipient',
        answer: { statusCode: 400 },
        answerState: 'given',
      });
      expect(quiet.stripe.requests).toHaveLength(0);
      const logged = JSON.stringify(lines);
      expect(logged).toContain('n***@example.org');
      expect(logged).not.toContain('nobody.known@example.org');
      expect(logged).not.toContain(VILLAGE_SECRET);
      // A redelivery gets the same answer: Village already returned the balance.
      expect((await quiet.send(request)).body).toEqual(response.body);
    } finally {
      await quiet.stop();
    }
  });

  test('an account that cannot receive payouts gets 400 and nothing is paid', async () => {
    h.stripe.setAccount('acct_1Blocked', { payouts_enabled: false });
    await h.recipients.put('blocked@example.com', 'acct_1Blocked', new Date());
    const request = cashOut({ destination_email: 'blocked@example.com' });
    const response = await h.send(request);
    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe('payouts_not_enabled');
    expect(requestsFor(request.cash_out_id)).toHaveLength(0);
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({ status: 'rejected' });
  });
});

describe('when Stripe misbehaves', () => {
  test.each([
    ['a card error', { kind: 'error', status: 402, type: 'card_error', code: 'card_declined' }],
    ['an invalid-request error', { kind: 'error', status: 400, type: 'invalid_request_error', code: 'balance_insufficient' }],
  ] as const)('%s → 500, ledger failed, nothing paid', async (_, fault) => {
    h.stripe.failNext(fault, { pathPrefix: '/v1/payouts' });
    const request = cashOut();
    const response = await h.send(request);
    expect(response.statusCode).toBe(500);
    expect(response.body.error).toBe('stripe_refused');
    expect(creationsFor(request.cash_out_id)).toHaveLength(0);
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({
      status: 'failed',
      failureCode: fault.code,
      answer: { statusCode: 500 },
    });
  });

  test('an idempotency error (the key was used with other parameters) is treated as a possible payment: unknown, never failed', async () => {
    h.stripe.failNext({ kind: 'error', status: 400, type: 'idempotency_error' }, { pathPrefix: '/v1/payouts' });
    const request = cashOut();
    const response = await h.send(request);
    expect(response.statusCode).toBe(500);
    expect(response.body.error).toBe('payout_outcome_unknown');
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({ status: 'unknown' });
  });

  test.each([
    ['a 500', { kind: 'error', status: 500, type: 'api_error' }],
    ['a 429', { kind: 'error', status: 429, type: 'rate_limit_error' }],
    ['a connection reset', { kind: 'reset' }],
    ['a reset after Stripe acted', { kind: 'reset-after' }],
  ] as const)('%s is retried with the same idempotency key, and one payout results', async (_, fault) => {
    h.stripe.failNext(fault, { pathPrefix: '/v1/payouts', times: 2 });
    const request = cashOut();
    const response = await h.send(request);
    expect(response.statusCode).toBe(200);
    const attempts = requestsFor(request.cash_out_id);
    expect(attempts.length).toBe(3);
    expect(new Set(attempts.map((a) => a.idempotencyKey))).toEqual(new Set([`village-cash-out:${request.cash_out_id}`]));
    expect(creationsFor(request.cash_out_id)).toHaveLength(1);
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({ status: 'pending', answer: { statusCode: 200 } });
  });

  test('a transient failure while checking the account is retried, and the cash-out is paid', async () => {
    h.stripe.failNext({ kind: 'reset' }, { method: 'GET', pathPrefix: '/v1/accounts/' });
    const request = cashOut();
    expect((await h.send(request)).statusCode).toBe(200);
    expect(h.stripe.requests.filter((r) => r.path === '/v1/accounts/acct_1Ada').length).toBeGreaterThanOrEqual(2);
    expect(creationsFor(request.cash_out_id)).toHaveLength(1);
  });

  test('Stripe unreachable while checking the account: 500, nothing paid', async () => {
    h.stripe.failNext({ kind: 'error', status: 503, type: 'api_error' }, { method: 'GET', pathPrefix: '/v1/accounts/', times: 3 });
    const request = cashOut();
    const response = await h.send(request);
    expect(response.statusCode).toBe(500);
    expect(response.body.error).toBe('stripe_unavailable');
    expect(requestsFor(request.cash_out_id)).toHaveLength(0);
  });

  test("Stripe hanging: the answer comes inside Village's deadline and the ledger says unknown", async () => {
    const fast = await villageHarness({ deadlineMs: 3000, answerMarginMs: 600, stripeAttemptTimeoutMs: 500, minAttemptMs: 100 });
    await fast.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    fast.stripe.failNext({ kind: 'delay', ms: 5000, thenProcess: true }, { pathPrefix: '/v1/payouts', times: 10 });
    try {
      const request = cashOut();
      const started = Date.now();
      const response = await fast.send(request);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(3000);
      expect(fast.stripe.requests.filter((r) => r.path === '/v1/payouts').length).toBeGreaterThanOrEqual(2);
      expect(response.statusCode).toBe(500);
      expect(response.body.error).toBe('payout_outcome_unknown');
      expect(await fast.ledger.get(String(request.cash_out_id))).toMatchObject({ status: 'unknown', answer: { statusCode: 500 } });
    } finally {
      await fast.stop();
    }
  });

  test('with too little time left before the deadline, nothing is paid and the answer is 500', async () => {
    const request = cashOut();
    const response = await h.send(request, { remainingMs: 700 });
    expect(response.statusCode).toBe(500);
    expect(response.body.error).toBe('deadline_exceeded');
    expect(requestsFor(request.cash_out_id)).toHaveLength(0);
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({ status: 'rejected', answer: { statusCode: 500 } });
  });
});

describe('claims left by crashed invocations', () => {
  const crashedClaim = async (request: Record<string, unknown>, { stripeCalled }: { stripeCalled: boolean }) => {
    const cashOutId = String(request.cash_out_id);
    const key = `village-cash-out:${cashOutId}`;
    const createdAt = new Date(Date.now() - 60_000).toISOString();
    // What an invocation leaves when it dies after marking the Stripe call and (maybe) making it.
    await h.ledger.claim(
      newLedgerItem(cashOutId, {
        fingerprint: (await import('../functions/shared/hmac.js')).sha256Hex(JSON.stringify(['ada@example.com', 'USD', 2015])),
        attemptId: 'dead-attempt',
        leaseExpiresAt: Date.now() - 1000,
        createdAt,
        payload: JSON.stringify(request),
      }),
    );
    await h.ledger.update(cashOutId, 'dead-attempt', { accountId: 'acct_1Ada', stripeRequestSentAt: createdAt }, new Date());
    if (stripeCalled) {
      const stripe = await h.deps.stripe();
      await stripe.payouts.create(
        { amount: 2015, currency: 'usd', metadata: { cash_out_id: cashOutId }, description: `Village cash-out ${cashOutId}` },
        { stripeAccount: 'acct_1Ada', idempotencyKey: key },
      );
    }
  };

  test('an invocation killed after Stripe paid, then the same cash-out redelivered → one payout, answered 200', async () => {
    const request = cashOut({ amount: '20.15', currency: 'USD' });
    await crashedClaim(request, { stripeCalled: true });
    const firstPayout = creationsFor(request.cash_out_id);
    expect(firstPayout).toHaveLength(1);

    const response = await h.send(request);
    expect(response.statusCode).toBe(200);
    expect(creationsFor(request.cash_out_id)).toHaveLength(1);
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({ status: 'pending', attempts: 2, answer: { statusCode: 200 } });
  });

  test('a taken-over claim whose Stripe call was marked, with no time left, is left unknown — never called unpaid', async () => {
    const request = cashOut({ amount: '20.15', currency: 'USD' });
    await crashedClaim(request, { stripeCalled: true });
    const response = await h.send(request, { remainingMs: 550 });
    expect(response.statusCode).toBe(500);
    expect(response.body.error).toBe('payout_outcome_unknown');
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({ status: 'unknown' });
    expect(creationsFor(request.cash_out_id)).toHaveLength(1);
  });

  test('a claim whose owner may still be running is answered 409, not paid again', async () => {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    await h.ledger.claim(
      newLedgerItem(cashOutId, {
        fingerprint: (await import('../functions/shared/hmac.js')).sha256Hex(JSON.stringify(['ada@example.com', 'USD', 2015])),
        attemptId: 'live-attempt',
        leaseExpiresAt: Date.now() + 60_000,
        createdAt: new Date().toISOString(),
      }),
    );
    const response = await h.send(request);
    expect(response.statusCode).toBe(409);
    expect(response.body.error).toBe('cash_out_in_flight');
    expect(requestsFor(cashOutId)).toHaveLength(0);
  });

  test('a stale claim older than Stripe keeps idempotency keys is not retried but left for reconciliation', async () => {
    const old = await villageHarness({ idempotencyWindowMs: 1000 });
    await old.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    try {
      const request = cashOut();
      const cashOutId = String(request.cash_out_id);
      await old.ledger.claim(
        newLedgerItem(cashOutId, {
          fingerprint: (await import('../functions/shared/hmac.js')).sha256Hex(JSON.stringify(['ada@example.com', 'USD', 2015])),
          attemptId: 'ancient',
          leaseExpiresAt: Date.now() - 1000,
          createdAt: new Date(Date.now() - 60_000).toISOString(),
        }),
      );
      await old.ledger.update(
        cashOutId,
        'ancient',
        { accountId: 'acct_1Ada', stripeRequestSentAt: new Date(Date.now() - 60_000).toISOString() },
        new Date(),
      );
      const response = await old.send(request);
      expect(response.statusCode).toBe(500);
      expect(response.body.error).toBe('needs_reconciliation');
      expect(old.stripe.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
      expect(await old.ledger.get(cashOutId)).toMatchObject({ status: 'unknown' });
    } finally {
      await old.stop();
    }
  });
});

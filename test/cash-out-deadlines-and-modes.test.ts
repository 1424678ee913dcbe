import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
/**
 * The money paths under the scenarios that break them most easily, each set up as it happens: a
 * late 200, starved reconciliation, events lost after escalation, test-mode events on a live
 * gateway, and concurrent or body-identified duplicates.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ReconciledItem } from '../functions/reconcile/decide.js';
import { systemClock } from '../functions/shared/clock.js';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { ConfigError } from '../functions/shared/errors.js';
import { LedgerStore } from '../functions/shared/ledger.js';
import { staticSecret } from '../functions/shared/secrets.js';
import { makeStripe } from '../functions/shared/stripe-sdk.js';
import { stripeFromSecret } from '../functions/shared/wiring.js';
import { moveMoney } from '../functions/village-cash-out/move-money.js';
import { villageDepsFromEnv } from '../functions/village-cash-out/wiring.js';
import { slowDocumentClient } from './support/faults.js';
import { answeredUnknownButPaid, crashedClaim, jobFor, MINUTE, strayRequestsLanded } from './support/reconcile-job.js';
import { seedCashOut, stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';
import { silentLogger } from './support/telemetry.js';
import { cashOut, villageHarness, warmVillageHarness, type VillageHarness } from './support/village.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const payoutsFor = (h: VillageHarness, cashOutId: unknown) =>
  [...h.stripe.payouts.values()].filter((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId);

/** A cash-out Stripe never received: every create attempt is reset before the stand-in acts on it. */
async function neverReachedStripe(h: VillageHarness): Promise<string> {
  const request = cashOut();
  h.stripe.failNext({ kind: 'reset' }, { pathPrefix: '/v1/payouts', times: 1000 });
  const response = await h.send(request, { remainingMs: 1500 });
  await strayRequestsLanded(h);
  h.stripe.clearFaults();
  expect(response.body.error).toBe('payout_outcome_unknown');
  return String(request.cash_out_id);
}

describe("1. a 200 never leaves after Village's deadline", () => {
  let h: VillageHarness;
  beforeAll(async () => {
    h = await warmVillageHarness({ deadlineMs: 4000, answerMarginMs: 500 });
  });
  afterAll(async () => h.stop());

  test('Stripe answers after 2 s and the final ledger write takes 2.5 s: Village hears 500, the ledger says compensation is due, and reconciliation cancels the payout', async () => {
    const fast = h.deps.ledger;
    // The write that would record the 200 is held 2.5 s (DynamoDB throttling, with the SDK's back-off).
    h.deps.ledger = new LedgerStore(
      slowDocumentClient(
        h.tables.endpoint,
        (command, input) => command.startsWith('Update') && JSON.stringify(input).includes('"statusCode":200'),
        2500,
      ),
      h.tables.names.ledger,
    );
    try {
      const request = cashOut();
      const cashOutId = String(request.cash_out_id);
      h.stripe.failNext({ kind: 'delay', ms: 2000, thenProcess: true }, { pathPrefix: '/v1/payouts' });
      const response = await h.send(request, { remainingMs: 10_000 });

      expect(response.statusCode).toBe(500);
      expect(response.body.error).toBe('answered_after_deadline');
      expect(payoutsFor(h, cashOutId)).toHaveLength(1);

      await sleep(3000); // the held write reaches DynamoDB now: it must not turn the item back into a 200
      const item = (await h.ledger.get(cashOutId)) as ReconciledItem;
      expect(item).toMatchObject({
        status: 'pending',
        needsCompensation: true,
        answer: { statusCode: 500, body: { error: 'answered_after_deadline' } },
      });

      const { result } = await jobFor(h).run();
      expect(result(cashOutId)).toMatchObject({ outcome: 'compensated', to: 'canceled' });
      expect(payoutsFor(h, cashOutId)[0]?.status).toBe('canceled');
      expect(await h.send(request)).toMatchObject({ statusCode: 500 });
      expect(payoutsFor(h, cashOutId)).toHaveLength(1);
    } finally {
      h.deps.ledger = fast;
    }
  });

  test('the money still goes out, and Village hears 200, when the final write is only a little slow', async () => {
    const fast = h.deps.ledger;
    h.deps.ledger = new LedgerStore(
      slowDocumentClient(
        h.tables.endpoint,
        (command, input) => command.startsWith('Update') && JSON.stringify(input).includes('"statusCode":200'),
        100,
      ),
      h.tables.names.ledger,
    );
    try {
      const request = cashOut();
      const response = await h.send(request, { remainingMs: 10_000 });
      expect(response.statusCode).toBe(200);
      expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({ status: 'pending', answer: { statusCode: 200 } });
    } finally {
      h.deps.ledger = fast;
    }
  });

  test('a DynamoDB that accepts the connection and never answers fails the call at the client request timeout', async () => {
    // The bound is the client's own (DYNAMODB_DEFAULTS in AWS: 1 s an attempt, 3 attempts); here a shorter one keeps the test quick.
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const db = makeDocumentClient({ endpoint: `http://127.0.0.1:${port}`, requestTimeoutMs: 300, maxAttempts: 2 });
    try {
      await expect(db.send(new GetCommand({ TableName: 'ledger', Key: { cashOutId: 'co_1' } }))).rejects.toThrow();
    } finally {
      db.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);

  test("a Stripe that trickles its answer forever (the SDK's inactivity timeout never fires) is cut off at the attempt's bound, as unknown", async () => {
    const trickling: Server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickling.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(trickling.address() as { port: number }).port}`;
    try {
      const outcome = await moveMoney(
        makeStripe('sk_test_trickle', url),
        {
          mode: 'payout',
          cashOutId: 'co_trickle',
          accountId: 'acct_1Ada',
          amountMinor: 2015,
          currency: 'usd',
          idempotencyKey: 'village-cash-out:co_trickle',
        },
        { clock: systemClock, deadlineAt: Date.now() + 1500, attemptTimeoutMs: 400, minAttemptMs: 100 },
      );
      expect(outcome.kind).toBe('unknown');
    } finally {
      trickling.closeAllConnections();
      await new Promise((resolve) => trickling.close(resolve));
    }
  }, 20_000);
});

describe('2. reconciliation reaches every group, compensations first', () => {
  let h: VillageHarness;
  let s: StripeHarness;
  beforeAll(async () => {
    h = await warmVillageHarness();
    s = await stripeHarness({}, h.tables);
  });
  afterAll(async () => {
    await s.stop();
    await h.stop();
  });

  test('with more waiting items than the budget: the payout known to be due back is canceled in the first run, and the next runs reach every other item', async () => {
    const waiting = [await neverReachedStripe(h), await neverReachedStripe(h), await neverReachedStripe(h)];
    // Due back, but only Stripe can tell: `unknown`, and its payout exists.
    const unknownButPaid = await answeredUnknownButPaid(h);
    // Due back, and known to be: Stripe's payout.created moved it to `pending`, flagged needsCompensation.
    const flagged = await answeredUnknownButPaid(h);
    const payout = payoutsFor(h, flagged)[0]!;
    // Bound to its payout as Stripe's late answer to the create call binds it (an event never binds a cash-out).
    await h.tables.db.send(
      new UpdateCommand({
        TableName: h.tables.names.ledger,
        Key: { cashOutId: flagged },
        UpdateExpression: 'SET stripeObjectId = :id, stripeObjectType = :payout',
        ExpressionAttributeValues: { ':id': payout.id, ':payout': 'payout' },
      }),
    );
    await s.send(
      stripeEvent(
        'payout.created',
        { id: payout.id, status: 'pending', amount: 2015, currency: 'usd', metadata: { cash_out_id: flagged } },
        { account: 'acct_1Ada' },
      ),
    );
    expect(await h.ledger.get(flagged)).toMatchObject({ status: 'pending', needsCompensation: true });

    const runs: Awaited<ReturnType<ReturnType<typeof jobFor>['run']>>[] = [];
    for (let run = 0; run < 3; run += 1) runs.push(await jobFor(h, { maxItems: 2 }).run());
    expect(runs[0]!.result(flagged)).toMatchObject({ outcome: 'compensated' });
    const outcomes = (cashOutId: string) => runs.map((run) => run.result(cashOutId)?.outcome).filter(Boolean);
    expect(outcomes(unknownButPaid)).toContain('compensated');
    for (const cashOutId of waiting) expect(outcomes(cashOutId)).toContain('waiting');
  });
});

describe('3. an item handed to an operator keeps following Stripe', () => {
  let h: VillageHarness;
  let s: StripeHarness;
  beforeAll(async () => {
    h = await villageHarness();
    await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    s = await stripeHarness({}, h.tables);
  });
  afterAll(async () => {
    await s.stop();
    await h.stop();
  });

  test('escalated as village_answer_unknown, then payout.failed: the ledger says failed and is flagged for the operator', async () => {
    const { cashOutId } = await crashedClaim(h, { stripeCalled: true });
    const { result } = await jobFor(h, { offsetMs: 11 * MINUTE }).run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'needs_operator', reason: 'village_answer_unknown' });
    const payout = payoutsFor(h, cashOutId)[0]!;

    const failed = stripeEvent(
      'payout.failed',
      { id: payout.id, amount: 2015, currency: 'usd', metadata: { cash_out_id: cashOutId } },
      { account: 'acct_1Ada' },
    );
    const response = await s.send(failed);
    expect(response).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });
    expect(await h.ledger.get(cashOutId)).toMatchObject({
      status: 'failed',
      needsOperator: true,
      failedAfterPaid: true,
      lastEventId: failed.id,
    });
    expect(s.metrics).toContain('PayoutFailedAfterPaid');
  });
});

describe('4. an event of the other mode (livemode) changes nothing', () => {
  test('a live gateway: a test-mode payout.paid naming a live unknown cash-out is stored, answered 200 and leaves the ledger alone', async () => {
    const s = await stripeHarness({ livemode: true });
    try {
      const cashOutId = uniqueId('co');
      await seedCashOut(s.ledger, { cashOutId, status: 'unknown', answerStatusCode: 500 });
      const event = stripeEvent(
        'payout.paid',
        { id: uniqueId('po'), metadata: { cash_out_id: cashOutId } },
        { account: 'acct_1LocalSampleAda', livemode: false },
      );
      const response = await s.send(event);
      expect(response).toMatchObject({ statusCode: 200, body: { outcome: 'other_mode' } });
      const item = await s.ledger.get(cashOutId);
      expect(item?.status).toBe('unknown');
      expect(item?.stripeObjectId).toBeUndefined();
      expect(await s.events.get(event.id)).toMatchObject({ livemode: false, outcome: 'other_mode' });
    } finally {
      await s.stop();
    }
  });

  test('a test gateway: live payout.failed and account.updated change no ledger item and no recipient', async () => {
    const s = await stripeHarness({ livemode: false });
    try {
      const cashOutId = uniqueId('co');
      const payoutId = uniqueId('po');
      await seedCashOut(s.ledger, { cashOutId, status: 'pending', stripeObjectId: payoutId });
      await s.recipients.put('lin@example.com', 'acct_1Lin', new Date());
      const failed = stripeEvent(
        'payout.failed',
        { id: payoutId, metadata: { cash_out_id: cashOutId } },
        { account: 'acct_1LocalSampleAda', livemode: true },
      );
      const account = stripeEvent(
        'account.updated',
        { id: 'acct_1Lin', payouts_enabled: false },
        { livemode: true, created: Math.floor(Date.now() / 1000) + 5 },
      );
      expect(await s.send(failed)).toMatchObject({ statusCode: 200, body: { outcome: 'other_mode' } });
      expect(await s.send(account)).toMatchObject({ statusCode: 200, body: { outcome: 'other_mode' } });
      expect((await s.ledger.get(cashOutId))?.status).toBe('pending');
      expect((await s.recipients.get('lin@example.com'))?.payoutsEnabled).not.toBe(false);
    } finally {
      await s.stop();
    }
  });

  test("the gateway's mode comes from its Stripe key, and a key of the other mode than STRIPE_MODE is refused before any Stripe call", async () => {
    const wrong = stripeFromSecret(staticSecret('sk_test_abc', 'STRIPE_SECRET_KEY'), 'http://127.0.0.1:9', { expectedMode: 'live' });
    await expect(wrong()).rejects.toThrow(ConfigError);
    await expect(wrong()).rejects.toThrow(/STRIPE_MODE/);
    const deps = villageDepsFromEnv(
      {
        LEDGER_TABLE: 'l',
        RECIPIENTS_TABLE: 'r',
        LIMITS_TABLE: 'lim',
        USAGE_TABLE: 'u',
        STRIPE_SECRET_KEY: 'rk_live_abc',
        STRIPE_MODE: 'test',
        VILLAGE_WEBHOOK_SECRET: 'x',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      },
      { logger: silentLogger() },
    );
    await expect(deps.stripe()).rejects.toThrow(/STRIPE_MODE/);
  });
});

describe('7. duplicates: body-identified cash-outs and concurrent deliveries', () => {
  let h: VillageHarness;
  beforeAll(async () => {
    h = await warmVillageHarness();
  });
  afterAll(async () => h.stop());

  const withoutId = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ destination_email: 'ada@example.com', amount: '7.25', currency: 'EUR', nonce: uniqueId('n'), ...extra });

  test('(a) two byte-identical bodies without an id are one cash-out: paid once, the second answered from the first', async () => {
    const body = withoutId();
    const first = await h.send(body);
    const second = await h.send(body);
    expect(first.statusCode).toBe(200);
    expect(second).toMatchObject({ statusCode: 200, headers: { 'x-idempotent-replayed': 'true' } });
    expect(payoutsFor(h, first.body.cashOutId)).toHaveLength(1);
  });

  test('(a) with VILLAGE_REQUIRE_ID set, a body without an id is refused with 400 and nothing is stored or paid', async () => {
    const strict = await villageHarness({ requireCashOutId: true });
    try {
      await strict.recipients.put('ada@example.com', 'acct_1Ada', new Date());
      const response = await strict.send(withoutId());
      expect(response).toMatchObject({ statusCode: 400, body: { error: 'missing_cash_out_id' } });
      expect(strict.stripe.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
      expect((await strict.tables.db.send(new ScanCommand({ TableName: strict.tables.names.ledger, Select: 'COUNT' }))).Count).toBe(0);
    } finally {
      await strict.stop();
    }
  });

  test('(b) a duplicate that cannot have the first answer before its own deadline is refused, the refusal becomes the answer, the first delivery can no longer answer 200, and the payout is taken back', async () => {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    h.stripe.failNext({ kind: 'delay', ms: 1500, thenProcess: true }, { pathPrefix: '/v1/payouts' });
    const first = h.send(request);
    await sleep(150);
    const duplicate = await h.send(request, { remainingMs: 1200 }); // its deadline comes before the first can answer
    const firstAnswer = await first;

    expect(duplicate).toMatchObject({ statusCode: 409, body: { error: 'cash_out_in_flight' } });
    expect(firstAnswer).toMatchObject({ statusCode: 500, body: { error: 'answered_to_another_delivery' } });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'pending', needsCompensation: true, answer: { statusCode: 409 } });
    await strayRequestsLanded(h);
    const { result } = await jobFor(h).run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'compensated' });
    expect(payoutsFor(h, cashOutId).map((p) => p.status)).toEqual(['canceled']);
  });

  test('(b) a delivery that arrives while the first is paying waits for it and gets the same 200: never a 409 beside a payout', async () => {
    const request = cashOut();
    h.stripe.failNext({ kind: 'delay', ms: 1000, thenProcess: true }, { pathPrefix: '/v1/payouts' });
    const first = h.send(request);
    await sleep(150);
    const second = await h.send(request);
    const firstAnswer = await first;
    expect(firstAnswer.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.body.stripe).toEqual(firstAnswer.body.stripe);
    expect(payoutsFor(h, request.cash_out_id)).toHaveLength(1);
  });
});

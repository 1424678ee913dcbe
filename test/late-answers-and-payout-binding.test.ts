/**
 * Each test is a scenario that would break a promise of docs/village-cash-outs.md or docs/reliability.md ("no 200 ever leaves later than
 * the deadline less its margin"; "paying while answering anything else" is impossible;
 * "reconciliation reaches every item"). Faults are injected below the store, on a real
 * document client to DynamoDB Local, so everything above runs as in production.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReconciledItem } from '../functions/reconcile/decide.js';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { LedgerStore } from '../functions/shared/ledger.js';
import { makeVillageCashOutHandler, type VillageHandlerDeps } from '../functions/village-cash-out/handler.js';
import { villageSignature } from '../functions/village-cash-out/signature.js';
import { apiGatewayEvent, lambdaContext } from './support/events.js';
import { stoppableClock } from './support/faults.js';
import { newLedgerItem } from './support/ledger-items.js';
import { jobFor } from './support/reconcile-job.js';
import { seedCashOut, stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';
import { cashOut, CASH_OUT_PATH, VILLAGE_SECRET, villageHarness, warmVillageHarness, type VillageHarness } from './support/village.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A fault's hold: it does not keep jest alive once the test has its answer. */
const held = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
const payoutsFor = (h: VillageHarness, cashOutId: unknown) =>
  [...h.stripe.payouts.values()].filter((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId);

type Matcher = (command: string, input: Record<string, unknown>) => boolean;

interface Fault {
  when: Matcher;
  /** Held this long before it is sent (throttling, the SDK's back-off). */
  holdBeforeMs?: number;
  /** Lands (or is refused), and its answer comes back this much later. */
  holdAfterMs?: number;
  /** Lands, and the call then fails (the answer lost, the SDK's retries throttled). */
  failAfter?: boolean;
  /** How many matching calls (default: the first only). */
  times?: number;
  /** Called as a matching call is sent. */
  onSend?: () => void;
}

/** A real document client to DynamoDB Local with faults injected around the calls that land. */
function faultyClient(endpoint: string, faults: Fault[]): DynamoDBDocumentClient {
  const db = makeDocumentClient({ endpoint });
  const left = faults.map((fault) => fault.times ?? 1);
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const index = faults.findIndex(
        (fault, i) => left[i]! > 0 && fault.when(String(context.commandName), args.input as Record<string, unknown>),
      );
      const fault = index >= 0 ? faults[index] : undefined;
      if (!fault) return next(args);
      left[index]! -= 1;
      fault.onSend?.();
      if (fault.holdBeforeMs) await held(fault.holdBeforeMs);
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } finally {
        // A slow link delays a refusal as much as a success.
        if (fault.holdAfterMs) await held(fault.holdAfterMs);
      }
      if (fault.failAfter)
        throw Object.assign(new Error('Injected fault: the answer was lost after the write landed'), {
          name: 'NetworkingError',
          $metadata: {},
        });
      return result;
    },
    { step: 'initialize', name: 'adversarialFaults' },
  );
  return db;
}

/**
 * Every try of a write is held, not only the first: a timer may fire a millisecond before the
 * wall clock reaches the deadline, and a last try given that millisecond must not get through.
 */
const ALL_TRIES = 10;

const input = (i: Record<string, unknown>) => JSON.stringify(i);
/** The write recording the 200 (answer.ts finishPaid, first writeAnswer). */
const the200Write: Matcher = (command, i) =>
  command.startsWith('Update') &&
  input(i).includes('"statusCode":200') &&
  String(i.ConditionExpression).includes('attribute_not_exists(answer)');
/** The write withdrawing a late 200 (LedgerStore.withdrawLate), once the item has left `processing`. */
const theSupersede: Matcher = (command, i) =>
  command.startsWith('Update') &&
  i.ConditionExpression === 'attemptId = :attempt AND (attribute_not_exists(answerState) OR answerState <> :withdrawn)';
/** LedgerStore.adoptAnswer. */
const theAdoption: Matcher = (command, i) =>
  command.startsWith('Update') && String(i.ConditionExpression).includes('answer.statusCode = :ok');

/** A handler over the harness's tables and Stripe, with its own ledger client. */
function deliveryWith(h: VillageHarness, db: DynamoDBDocumentClient, overrides: Partial<VillageHandlerDeps> = {}) {
  const handler = makeVillageCashOutHandler({ ...h.deps, ledger: new LedgerStore(db, h.tables.names.ledger), ...overrides });
  return async (payload: Record<string, unknown>, remainingMs = 20_000) => {
    const body = JSON.stringify(payload);
    const headers = { 'content-type': 'application/json', 'x-village-signature-256': villageSignature(VILLAGE_SECRET, body) };
    const response = await handler(apiGatewayEvent(CASH_OUT_PATH, body, headers), lambdaContext(remainingMs));
    return { statusCode: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  };
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i += 1) {
    const value = await read();
    if (ok(value)) return value;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('late 200s and the duplicate/adopt path', () => {
  let h: VillageHarness;
  beforeAll(async () => {
    // Village's deadline 3 s, answers due 2.5 s after receipt.
    h = await warmVillageHarness({ deadlineMs: 3000, answerMarginMs: 500 });
  });
  afterAll(async () => h.stop());

  /** The first delivery: its 200 lands and its answer comes back long after the deadline; its supersede is held a second, so a duplicate's adoption lands first. */
  const firstDeliveryAnsweredLate = () =>
    faultyClient(h.tables.endpoint, [
      { when: the200Write, holdAfterMs: 6000, times: ALL_TRIES },
      { when: theSupersede, holdBeforeMs: 1000 },
    ]);

  test('double pay: a duplicate adopts the 200 but cannot confirm it in time (409); the first delivery, fenced out of its supersede, answers 200 long after its deadline; the ledger keeps the 200 and reconciliation never takes the payout back', async () => {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    const firstDb = firstDeliveryAnsweredLate();
    // Duplicate: its adoption lands, its answer comes back only after the duplicate's deadline.
    const dupDb = faultyClient(h.tables.endpoint, [{ when: theAdoption, holdAfterMs: 6000 }]);
    const first = deliveryWith(h, firstDb)(request);
    await until(
      () => h.ledger.get(cashOutId),
      (item) => item?.answer?.statusCode === 200,
      'the 200 to land',
    );
    const duplicate = await deliveryWith(h, dupDb)(request);
    const firstAnswer = await first;

    // Village heard: a 409 for the duplicate, and for the first delivery an answer sent after
    // its deadline (the supersede alone was held 1 s past it), which Village has already failed.
    expect(duplicate.statusCode).toBe(409);
    const item = (await h.ledger.get(cashOutId)) as ReconciledItem;
    const { result } = await jobFor(h).run();
    const outcome = {
      firstAnswer: firstAnswer.statusCode,
      ledgerAnswer: item.answer?.statusCode,
      ledgerAnswerState: item.answerState,
      needsCompensation: item.needsCompensation ?? false,
      reconciliation: result(cashOutId)?.outcome ?? 'not selected',
      payout: payoutsFor(h, cashOutId)[0]?.status,
    };
    // Never a 200 after the deadline; and money Village was not told of in time is taken back.
    // The ledger's answer is the duplicate's refusal (409): the answer Village acted on.
    expect(outcome).toEqual({
      firstAnswer: 500,
      ledgerAnswer: 409,
      ledgerAnswerState: 'refused_duplicate',
      needsCompensation: true,
      reconciliation: 'compensated',
      payout: 'canceled',
    });
    firstDb.destroy();
    dupDb.destroy();
  }, 30_000);

  test('a 200 whose write was abandoned at its bound (the deadline) is late, whatever the clock reads after: no further try, no 200', async () => {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    // The extreme of a timer firing before the wall clock reaches the deadline: once the 200 is
    // sent, the clock stops. Only the bound of the write, not a reading of the clock, can tell
    // that the deadline came.
    const { clock, stop } = stoppableClock();
    const db = faultyClient(h.tables.endpoint, [{ when: the200Write, holdAfterMs: 6000, times: ALL_TRIES, onSend: stop }]);
    const answer = await deliveryWith(h, db, { clock })(request);
    expect(answer).toMatchObject({ statusCode: 500, body: { error: 'answered_after_deadline' } });
    expect(await h.ledger.get(cashOutId)).toMatchObject({
      answer: { statusCode: 500, body: { error: 'answered_after_deadline' } },
      answerState: 'withdrawn',
      needsCompensation: true,
    });
    db.destroy();
  }, 30_000);

  test("a duplicate's adoption of the 200 cut off at its bound (the deadline) is late, whatever the clock reads after: the duplicate is refused and the money marked due back", async () => {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    const firstDb = firstDeliveryAnsweredLate();
    const first = deliveryWith(h, firstDb)(request);
    await until(
      () => h.ledger.get(cashOutId),
      (item) => item?.answer?.statusCode === 200,
      'the 200 to land',
    );
    // Duplicate: its clock stops once the adoption is sent; every try of the adoption is held past the deadline.
    const { clock, stop } = stoppableClock();
    const dupDb = faultyClient(h.tables.endpoint, [{ when: theAdoption, holdAfterMs: 6000, times: ALL_TRIES, onSend: stop }]);
    const duplicate = await deliveryWith(h, dupDb, { clock })(request);
    expect(duplicate).toMatchObject({ statusCode: 409, body: { error: 'cash_out_in_flight' } });
    expect((await first).statusCode).toBe(500);
    expect(await h.ledger.get(cashOutId)).toMatchObject({
      answer: { statusCode: 409 },
      answerState: 'refused_duplicate',
      needsCompensation: true,
    });
    firstDb.destroy();
    dupDb.destroy();
  }, 40_000);

  test('late 200 → lost cash-out: the superseding write lands but its answer is lost; the retry does not recognise it (new updatedAt) and reads "fenced out" as "a duplicate adopted the 200", so the handler answers 200 after the deadline while the ledger says compensation is due and reconciliation cancels the payout', async () => {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    // The 200 write lands and its answer comes back after the deadline; the supersede lands,
    // its answer is lost (10 ms later), and writeAnswer tries again.
    const db = faultyClient(h.tables.endpoint, [
      { when: the200Write, holdAfterMs: 6000, times: ALL_TRIES },
      { when: theSupersede, holdAfterMs: 10, failAfter: true },
    ]);
    const answer = await deliveryWith(h, db)(request);
    const item = (await h.ledger.get(cashOutId)) as ReconciledItem;
    expect(item).toMatchObject({
      answer: { statusCode: 500, body: { error: 'answered_after_deadline' } },
      answerState: 'withdrawn',
      needsCompensation: true,
    });
    const { result } = await jobFor(h).run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'compensated' });
    // The ledger (and reconciliation) say Village was told it failed: the handler must have said so.
    expect(answer.statusCode).toBe(500);
    db.destroy();
  }, 30_000);
});

describe('Stripe events against the late supersede', () => {
  let h: VillageHarness;
  let s: StripeHarness;
  beforeAll(async () => {
    h = await warmVillageHarness({ deadlineMs: 3000, answerMarginMs: 500 });
    s = await stripeHarness({}, h.tables);
  });
  afterAll(async () => {
    await s.stop();
    await h.stop();
  });

  test("older state over newer: payout.failed applied while the 200 write is in flight is undone by the superseding write (status back to pending, lastEventCreated back to the payout's creation)", async () => {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    const db = faultyClient(h.tables.endpoint, [{ when: the200Write, holdAfterMs: 6000, times: ALL_TRIES }]);
    const first = deliveryWith(h, db)(request);
    const landed = await until(
      () => h.ledger.get(cashOutId),
      (item) => item?.answer?.statusCode === 200,
      'the 200 to land',
    );
    const failed = stripeEvent(
      'payout.failed',
      { id: landed!.stripeObjectId, amount: 2015, currency: 'usd', failure_code: 'account_closed', metadata: { cash_out_id: cashOutId } },
      { account: 'acct_1Ada', created: Math.floor(Date.now() / 1000) + 1 },
    );
    expect(await s.send(failed)).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'failed' });
    const answer = await first;
    expect(answer.body.error).toBe('answered_after_deadline');
    // `failed` is final (MONEY_MOVEMENT): nothing may move it back.
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'failed', lastEventId: failed.id, lastEventCreated: failed.created });
    db.destroy();
  }, 30_000);
});

describe('reconciliation fairness', () => {
  let h: VillageHarness;
  beforeAll(async () => {
    h = await villageHarness();
    await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
  });
  afterAll(async () => h.stop());

  /** A crashed cash-out answered 500 `unknown`, its Stripe call marked; with or without a payout at Stripe. */
  async function unknownItem(withPayout: boolean): Promise<string> {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    const now = new Date();
    await h.ledger.claim(
      newLedgerItem(cashOutId, { attemptId: `a-${cashOutId}`, leaseExpiresAt: now.getTime() - 1, createdAt: now.toISOString() }),
    );
    await h.ledger.update(
      cashOutId,
      `a-${cashOutId}`,
      {
        status: 'unknown',
        accountId: 'acct_1Ada',
        stripeRequestSentAt: now.toISOString(),
        answer: { statusCode: 500, body: { error: 'payout_outcome_unknown' } },
      },
      now,
    );
    if (withPayout) {
      const stripe = await h.deps.stripe();
      await stripe.payouts.create(
        { amount: 2015, currency: 'usd', metadata: { cash_out_id: cashOutId } },
        { stripeAccount: 'acct_1Ada', idempotencyKey: `village-cash-out:${cashOutId}` },
      );
    }
    await sleep(3); // distinct updatedAt
    return cashOutId;
  }

  test('starvation past the read window: with more than GROUP_READ_FACTOR × budget waiting `unknown` items, a newer `unknown` whose payout is pending (due back) is never reached, run after run', async () => {
    for (let i = 0; i < 11; i += 1) await unknownItem(false);
    const dueBack = await unknownItem(true);
    const outcomes: string[] = [];
    for (let run = 0; run < 13; run += 1) {
      const { result } = await jobFor(h, { maxItems: 1 }).run();
      outcomes.push(result(dueBack)?.outcome ?? '-');
    }
    expect(outcomes).toContain('compensated');
    expect(payoutsFor(h, dueBack)[0]?.status).toBe('canceled');
  }, 60_000);
});

describe('a payout event that does not match the cash-out', () => {
  let s: StripeHarness;
  beforeAll(async () => {
    s = await stripeHarness();
  });
  afterAll(async () => s.stop());

  test('a payout of another amount carrying the cash-out id (a Standard account can set metadata on its own payouts) is bound to an `unknown` cash-out: the ledger takes its id, so the real payout becomes an "anomaly" and reconciliation compares against the wrong one', async () => {
    const cashOutId = uniqueId('co');
    await seedCashOut(s.ledger, { cashOutId, status: 'unknown', answerStatusCode: 500 });
    const foreign = stripeEvent(
      'payout.paid',
      { id: uniqueId('po'), amount: 1, currency: 'usd', metadata: { cash_out_id: cashOutId } },
      { account: 'acct_1LocalSampleAda' },
    );
    const response = await s.send(foreign);
    expect(response.body.outcome).toBe('anomaly');
    expect(await s.ledger.get(cashOutId)).toMatchObject({ status: 'unknown' });
    expect((await s.ledger.get(cashOutId))?.stripeObjectId).toBeUndefined();
  });
});

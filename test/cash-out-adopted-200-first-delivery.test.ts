/**
 * A first delivery whose 200 lands in the ledger, but whose write's answer is lost (a
 * connection reset after the write went), while a duplicate delivery adopts that 200 and
 * repeats it to Village. The first delivery then retries its write, finds the condition
 * failed and the claim passed to the duplicate. Village must not hear both a 200 and a non-200
 * for one cash-out unless the money is due back: "any non-200 given to any delivery is the
 * cash-out's answer" (docs/decisions.md). Faults are injected below the store, on a real
 * document client to DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { LedgerStore } from '../functions/shared/ledger.js';
import { makeVillageCashOutHandler } from '../functions/village-cash-out/handler.js';
import { villageSignature } from '../functions/village-cash-out/signature.js';
import { apiGatewayEvent, lambdaContext } from './support/events.js';
import { cashOut, CASH_OUT_PATH, VILLAGE_SECRET, villageHarness, type VillageHarness } from './support/village.js';

/** The write recording the 200: an update carrying a 200 answer, conditioned on no answer yet. */
const isThe200Write = (command: string, input: Record<string, unknown>) =>
  command.startsWith('Update') &&
  JSON.stringify(input).includes('"statusCode":200') &&
  String(input.ConditionExpression).includes('attribute_not_exists(answer)');

/**
 * A document client whose first 200 write lands, then runs `meanwhile` (another delivery),
 * then fails as a lost connection would: the write went, its answer did not come back.
 */
function answerLostClient(endpoint: string, meanwhile: () => Promise<void>): DynamoDBDocumentClient {
  const db = makeDocumentClient({ endpoint });
  let armed = true;
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if (!armed || !isThe200Write(String(context.commandName), args.input as Record<string, unknown>)) return next(args);
      armed = false;
      await next(args);
      await meanwhile();
      throw Object.assign(new Error('Injected fault: the answer was lost after the write landed'), {
        name: 'NetworkingError',
        $metadata: {},
      });
    },
    { step: 'initialize', name: 'answerLost' },
  );
  return db;
}

function deliveryWith(h: VillageHarness, db: DynamoDBDocumentClient) {
  const handler = makeVillageCashOutHandler({ ...h.deps, ledger: new LedgerStore(db, h.tables.names.ledger) });
  return async (payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    const headers = { 'content-type': 'application/json', 'x-village-signature-256': villageSignature(VILLAGE_SECRET, body) };
    const response = await handler(apiGatewayEvent(CASH_OUT_PATH, body, headers), lambdaContext(20_000));
    return { statusCode: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  };
}

describe('a 200 adopted by a duplicate while the first delivery retries its write', () => {
  let h: VillageHarness;
  beforeAll(async () => {
    // Village's default deadline (8 s): room for the whole duplicate delivery and the retry, even on a loaded machine.
    h = await villageHarness();
    await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    await h.send(cashOut()); // warms the clients
  });
  afterAll(async () => h.stop());

  test('the first delivery answers the same 200 the duplicate repeated, or the money is marked due back', async () => {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    let duplicate: { statusCode: number; body: Record<string, unknown> } | undefined;
    const firstDb = answerLostClient(h.tables.endpoint, async () => {
      duplicate = await deliveryWith(h, h.tables.db)(request);
    });
    const first = await deliveryWith(h, firstDb)(request);
    const item = await h.ledger.get(cashOutId);
    const payouts = [...h.stripe.payouts.values()].filter((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId);

    const heard = [first.statusCode, duplicate?.statusCode];
    const toldNotPaid = heard.some((code) => code !== 200);
    const outcome = {
      duplicate: duplicate?.statusCode,
      payouts: payouts.length,
      // Told anything but 200 by any delivery: Village returned the balance, so the money must come back.
      moneyDueBackIfToldNotPaid: toldNotPaid ? item?.needsCompensation === true || payouts[0]?.status === 'canceled' : true,
      // Told 200 by one delivery and not by another: Village hears the cash-out both paid and failed.
      oneAnswer: new Set(heard).size === 1,
    };
    expect({ ...outcome, first: first.statusCode, firstError: first.body.error }).toEqual({
      duplicate: 200,
      payouts: 1,
      moneyDueBackIfToldNotPaid: true,
      oneAnswer: true,
      first: 200,
      firstError: undefined,
    });
    firstDb.destroy();
  }, 30_000);

  test('eight duplicates arriving together while the first delivery retries: all nine answer the same 200, one payout, nothing due back', async () => {
    const request = cashOut();
    const cashOutId = String(request.cash_out_id);
    let duplicates: { statusCode: number; body: Record<string, unknown> }[] = [];
    const firstDb = answerLostClient(h.tables.endpoint, async () => {
      duplicates = await Promise.all(Array.from({ length: 8 }, () => deliveryWith(h, h.tables.db)(request)));
    });
    const first = await deliveryWith(h, firstDb)(request);
    const item = await h.ledger.get(cashOutId);
    const payouts = [...h.stripe.payouts.values()].filter((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId);
    expect({
      answers: [first, ...duplicates].map((answer) => answer.statusCode),
      payouts: payouts.length,
      ledger: { answer: item?.answer?.statusCode, answerState: item?.answerState, needsCompensation: item?.needsCompensation ?? false },
    }).toEqual({
      answers: Array.from({ length: 9 }, () => 200),
      payouts: 1,
      ledger: { answer: 200, answerState: 'adopted', needsCompensation: false },
    });
    firstDb.destroy();
  }, 30_000);
});

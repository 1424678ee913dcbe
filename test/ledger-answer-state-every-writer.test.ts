/**
 * `answerState` is "written with every answer" (functions/shared/ledger.ts): whoever records
 * what Village was (or is from now on) told also records whose that answer is. Reconciliation
 * records a "not paid" answer in two places: when it claims an item to take money back, and
 * when it settles a crashed claim that never paid. DynamoDB Local, the Stripe stand-in.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { crashedClaim, jobFor, MINUTE } from './support/reconcile-job.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

describe('every answer recorded carries its answer state', () => {
  let h: VillageHarness;
  beforeAll(async () => {
    h = await villageHarness();
    await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    await h.send(cashOut()); // warms the clients
  });
  afterAll(async () => h.stop());

  test('a crashed claim that never paid, settled by reconciliation as abandoned, records its not-paid answer as reconciliation’s', async () => {
    const { cashOutId } = await crashedClaim(h, { stripeCalled: false });
    const { result } = await jobFor(h, { offsetMs: 11 * MINUTE }).run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'resolved', to: 'rejected', reason: 'abandoned_before_payment' });
    expect(await h.ledger.get(cashOutId)).toMatchObject({
      status: 'rejected',
      answer: { statusCode: 500, body: { error: 'cash_out_not_completed' } },
      answerState: 'reconciled',
    });
  });

  test('a compensation of a crashed claim whose money moved records its not-paid answer as reconciliation’s', async () => {
    const { cashOutId } = await crashedClaim(h, { stripeCalled: true });
    const { result } = await jobFor(h, { offsetMs: 11 * MINUTE, settings: { unansweredMoneyMoved: 'compensate' } }).run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'compensated' });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ answer: { statusCode: 500 }, answerState: 'reconciled' });
  });

  test('a refusal by the gateway records the answer as given by the delivery holding the claim', async () => {
    const request = cashOut({ destination_email: 'nobody@example.com' });
    const response = await h.send(request);
    expect(response.statusCode).toBe(400);
    expect(await h.ledger.get(String(request.cash_out_id))).toMatchObject({ answer: { statusCode: 400 }, answerState: 'given' });
  });
});

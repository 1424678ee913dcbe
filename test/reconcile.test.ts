import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { decide, type MoneyObject, type ReconciledItem, type StripeFinding } from '../functions/reconcile/decide.js';
import { makeReconcileHandler } from '../functions/reconcile/handler.js';
import type { ReconcileDeps, ReconcileSummary } from '../functions/reconcile/reconcile.js';
import { METRIC_NAMES, reconcileDepsFromEnv } from '../functions/reconcile/wiring.js';
import { ConfigError } from '../functions/shared/errors.js';
import { makeMetrics } from '../functions/shared/telemetry.js';
import { Reconciliation } from '../infra/reconciliation.js';
import { silentLogger } from './support/telemetry.js';
import { lambdaContext } from './support/events.js';
import { ledgerItem } from './support/ledger-items.js';
import { answeredUnknownButPaid, crashedClaim, HOUR, jobFor, MINUTE, SETTINGS, strayRequestsLanded } from './support/reconcile-job.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

describe('deciding what a cash-out needs (the rules, without I/O)', () => {
  const T0 = Date.parse('2025-03-01T12:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString();
  const item = (fields: Partial<ReconciledItem> = {}): ReconciledItem =>
    ledgerItem('co_1', {
      status: 'unknown',
      attemptId: 'a1',
      leaseExpiresAt: T0 - 1000,
      createdAt: iso(T0),
      updatedAt: iso(T0),
      stripeRequestSentAt: iso(T0),
      answer: { statusCode: 500, body: {} },
      ...fields,
    });
  const payout = (status: string, fields: Partial<MoneyObject> = {}): StripeFinding => ({
    found: 'one',
    object: { id: 'po_1', object: 'payout', status, amount: 2015, currency: 'usd', created: T0 / 1000, ...fields },
  });
  const transfer = (status = 'paid'): StripeFinding => ({
    found: 'one',
    object: { id: 'tr_1', object: 'transfer', status, amount: 2015, currency: 'usd', created: T0 / 1000 },
  });
  const answered = (statusCode: number) => ({ answer: { statusCode, body: {} } });
  const at = (ms: number, fields: Partial<ReconciledItem>, finding?: StripeFinding) => decide(item(fields), T0 + ms, SETTINGS, finding);

  test('an item whose lease is still valid is left to the invocation that holds it', () => {
    expect(at(MINUTE, { status: 'processing', answer: undefined, leaseExpiresAt: T0 + 5 * MINUTE })).toEqual({
      action: 'skip',
      reason: 'lease_valid',
    });
  });

  test('a crashed claim is not touched before the minimum age (Village may still redeliver and be paid)', () => {
    expect(at(5 * MINUTE, { status: 'processing', answer: undefined })).toEqual({ action: 'skip', reason: 'too_recent' });
    expect(at(11 * MINUTE, { status: 'processing', answer: undefined })).toEqual({ action: 'ask_stripe' });
  });

  test('a claim that crashed before any Stripe call is rejected as abandoned, without asking Stripe', () => {
    expect(at(11 * MINUTE, { status: 'processing', answer: undefined, stripeRequestSentAt: undefined })).toEqual({
      action: 'record',
      status: 'rejected',
      reason: 'abandoned_before_payment',
    });
  });

  test('an item answered non-200 with no Stripe call is rejected, keeping its reason', () => {
    expect(at(0, { stripeRequestSentAt: undefined, reason: 'unexpected_error' })).toMatchObject({
      action: 'record',
      status: 'rejected',
      reason: 'unexpected_error',
    });
  });

  test('finished items, and items already with an operator, are not looked at', () => {
    for (const status of ['failed', 'canceled', 'rejected', 'reversed'] as const) expect(at(100 * HOUR, { status }).action).toBe('skip');
    expect(at(100 * HOUR, { status: 'paid', ...answered(200) }).action).toBe('skip');
    expect(at(0, { needsOperator: true })).toEqual({ action: 'skip', reason: 'with_operator' });
  });

  test('a payout answered 200 is checked only once stale, and then not again until the recheck interval', () => {
    expect(at(10 * HOUR, { status: 'pending', ...answered(200) })).toEqual({ action: 'skip', reason: 'not_stale' });
    expect(at(73 * HOUR, { status: 'pending', ...answered(200) })).toEqual({ action: 'ask_stripe' });
    expect(at(73 * HOUR, { status: 'in_transit', ...answered(200), reconciledAt: iso(T0 + 72 * HOUR) })).toEqual({
      action: 'skip',
      reason: 'not_stale',
    });
  });

  test('answered 200: the ledger takes the true status from Stripe; a payout that failed after is flagged', () => {
    expect(at(73 * HOUR, { status: 'pending', ...answered(200) }, payout('paid'))).toMatchObject({
      action: 'record',
      status: 'paid',
      failedAfterPaid: false,
    });
    expect(at(73 * HOUR, { status: 'in_transit', ...answered(200) }, payout('failed'))).toMatchObject({
      action: 'record',
      status: 'failed',
      failedAfterPaid: true,
    });
    expect(at(73 * HOUR, { status: 'pending', ...answered(200) }, payout('pending'))).toMatchObject({ action: 'unchanged' });
  });

  test('answered non-200 or never: a pending payout is canceled and a transfer reversed', () => {
    expect(at(0, {}, payout('pending'))).toMatchObject({ action: 'compensate', how: 'cancel_payout' });
    expect(at(0, { mode: 'transfer' }, transfer())).toMatchObject({ action: 'compensate', how: 'reverse_transfer' });
    expect(at(0, { status: 'paid', mode: 'transfer', needsCompensation: true }, transfer())).toMatchObject({
      action: 'compensate',
      how: 'reverse_transfer',
    });
  });

  test('a crashed claim whose money moved goes to an operator (Village may have been answered 200 and only the ledger write failed), unless set to compensate', () => {
    const crashed = { status: 'processing' as const, answer: undefined };
    expect(at(11 * MINUTE, crashed, payout('pending'))).toMatchObject({
      action: 'operator',
      status: 'pending',
      reason: 'village_answer_unknown',
    });
    expect(at(11 * MINUTE, { ...crashed, mode: 'transfer' }, transfer())).toMatchObject({
      action: 'operator',
      status: 'paid',
      reason: 'village_answer_unknown',
    });
    const compensating = { ...SETTINGS, unansweredMoneyMoved: 'compensate' as const };
    expect(decide(item(crashed), T0 + 11 * MINUTE, compensating, payout('pending'))).toMatchObject({
      action: 'compensate',
      how: 'cancel_payout',
    });
    // Nothing moved: rejected either way, as not paid.
    expect(at(11 * MINUTE, crashed, payout('failed'))).toMatchObject({ action: 'record', status: 'failed' });
  });

  test('answered non-200: a payout already in transit or paid cannot be canceled and goes to an operator', () => {
    expect(at(0, {}, payout('in_transit'))).toEqual(
      expect.objectContaining({ action: 'operator', status: 'in_transit', reason: 'payout_in_transit_cannot_be_canceled' }),
    );
    expect(at(0, {}, payout('paid'))).toEqual(
      expect.objectContaining({ action: 'operator', status: 'paid', reason: 'payout_paid_cannot_be_canceled' }),
    );
  });

  test('answered non-200 and nothing moved at Stripe: the true status is written, nothing to take back', () => {
    expect(at(0, {}, payout('failed'))).toMatchObject({ action: 'record', status: 'failed', reason: 'nothing_moved' });
    expect(at(0, {}, payout('canceled'))).toMatchObject({ action: 'record', status: 'canceled' });
    expect(at(0, { mode: 'transfer' }, transfer('reversed'))).toMatchObject({ action: 'record', status: 'reversed' });
  });

  test("not found: waits inside Stripe's 24 h idempotency window, then rejects as no payout found", () => {
    expect(at(23 * HOUR, {}, { found: 'none' })).toEqual({ action: 'wait', reason: 'not_found_yet' });
    expect(at(24 * HOUR, {}, { found: 'none' })).toEqual({ action: 'record', status: 'rejected', reason: 'no_payout_found' });
  });

  test('Stripe and the ledger disagreeing goes to an operator, never to a guess', () => {
    expect(at(73 * HOUR, { status: 'pending', ...answered(200), stripeObjectId: 'po_1' }, { found: 'none' })).toMatchObject({
      action: 'operator',
      reason: 'stripe_object_missing',
    });
    expect(at(0, {}, payout('pending', { amount: 9999 }))).toMatchObject({ action: 'operator', reason: 'stripe_object_does_not_match' });
    expect(at(0, {}, { found: 'several', ids: ['po_1', 'po_2'] })).toMatchObject({
      action: 'operator',
      reason: 'several_stripe_objects:po_1,po_2',
    });
    expect(at(0, {}, payout('something_new'))).toMatchObject({ action: 'operator', reason: 'unrecognised_stripe_status:something_new' });
  });
});

const payoutOf = (h: VillageHarness, cashOutId: string) =>
  [...h.stripe.payouts.values()].find((p) => (p.metadata as Record<string, string>).cash_out_id === cashOutId)!;
const transferOf = (h: VillageHarness, cashOutId: string) => [...h.stripe.transfers.values()].find((t) => t.transfer_group === cashOutId)!;

describe('reconciling payouts against Stripe (DynamoDB Local, the Stripe stand-in, the real SDK)', () => {
  let h: VillageHarness;
  beforeAll(async () => {
    h = await villageHarness();
    await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    await h.send(cashOut()); // warms the clients, so the first timed cash-out is not slowed by loading them
  });
  afterAll(async () => h.stop());

  test('Village was answered 500 but the payout was created: the job finds it by cash-out id and cancels it', async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    const job = jobFor(h);
    const { result, requests } = await job.run();

    expect(result(cashOutId)).toMatchObject({ from: 'unknown', outcome: 'compensated', to: 'canceled', reason: 'payout_canceled' });
    const payout = payoutOf(h, cashOutId);
    expect(payout.status).toBe('canceled');
    expect(requests).toContainEqual(expect.objectContaining({ method: 'GET', path: '/v1/payouts', stripeAccount: 'acct_1Ada' }));
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', path: `/v1/payouts/${payout.id}/cancel`, stripeAccount: 'acct_1Ada' }),
    );
    const item = await h.ledger.get(cashOutId);
    expect(item).toMatchObject({
      status: 'canceled',
      compensation: 'payout_canceled',
      stripeObjectId: payout.id,
      stripeObjectType: 'payout',
      answer: { statusCode: 500 },
    });
    expect((item as ReconciledItem).compensatedAt).toEqual(expect.any(String));
  });

  test('a payout already in transit cannot be canceled: the item goes to an operator, logged and counted', async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    payoutOf(h, cashOutId).status = 'in_transit';
    const job = jobFor(h);
    const { result } = await job.run();

    expect(result(cashOutId)).toMatchObject({
      outcome: 'needs_operator',
      to: 'in_transit',
      reason: 'payout_in_transit_cannot_be_canceled',
    });
    expect(await h.ledger.get(cashOutId)).toMatchObject({
      status: 'in_transit',
      needsOperator: true,
      needsCompensation: true,
      operatorReason: 'payout_in_transit_cannot_be_canceled',
    });
    expect(job.counts.at(-1)?.needs_operator).toBeGreaterThanOrEqual(1);
    expect(job.lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'Cash-out needs an operator', cashOutId }));
    expect(JSON.stringify(job.lines)).not.toContain('ada@example.com');

    // Raised once: the next run leaves it with the operator.
    const again = await jobFor(h).run();
    expect(again.result(cashOutId)).toBeUndefined();
  });

  test('Stripe refusing the cancel sends the item to an operator; a transient Stripe error leaves it for the next run', async () => {
    const refused = await answeredUnknownButPaid(h);
    h.stripe.failNext(
      { kind: 'error', status: 400, type: 'invalid_request_error', code: 'payout_not_cancelable' },
      { pathPrefix: `/v1/payouts/${payoutOf(h, refused).id}/cancel` },
    );
    expect((await jobFor(h).run()).result(refused)).toMatchObject({
      outcome: 'needs_operator',
      reason: 'cancel_refused:payout_not_cancelable',
    });
    expect(await h.ledger.get(refused)).toMatchObject({ status: 'pending', needsOperator: true });

    const flaky = await answeredUnknownButPaid(h);
    h.stripe.failNext({ kind: 'error', status: 500, type: 'api_error' }, { pathPrefix: `/v1/payouts/${payoutOf(h, flaky).id}/cancel` });
    expect((await jobFor(h).run()).result(flaky)).toMatchObject({ outcome: 'error' });
    expect(await h.ledger.get(flaky)).toMatchObject({ status: 'unknown' });
    // The compensation's claim holds the item for five minutes; after that the next run finishes it.
    expect((await jobFor(h, { offsetMs: 2 * MINUTE }).run()).result(flaky)).toMatchObject({ outcome: 'skipped', reason: 'lease_valid' });
    expect((await jobFor(h, { offsetMs: 7 * MINUTE }).run()).result(flaky)).toMatchObject({ outcome: 'compensated' });
    expect(payoutOf(h, flaky).status).toBe('canceled');
  });

  test('a payout Stripe never received is waited for inside the 24 h window, then rejected as no payout found', async () => {
    const request = cashOut();
    h.stripe.failNext({ kind: 'reset' }, { pathPrefix: '/v1/payouts', times: 100 });
    expect((await h.send(request, { remainingMs: 3000 })).body.error).toBe('payout_outcome_unknown');
    await strayRequestsLanded(h);
    h.stripe.clearFaults();
    const cashOutId = String(request.cash_out_id);

    expect((await jobFor(h).run()).result(cashOutId)).toMatchObject({ outcome: 'waiting', reason: 'not_found_yet' });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'unknown' });
    expect((await jobFor(h, { offsetMs: 25 * HOUR }).run()).result(cashOutId)).toMatchObject({
      outcome: 'resolved',
      to: 'rejected',
      reason: 'no_payout_found',
    });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'rejected', reason: 'no_payout_found' });
  });

  test('a claim that crashed before calling Stripe is rejected as abandoned, and a redelivery is answered non-200 without paying', async () => {
    const { cashOutId, body } = await crashedClaim(h, { stripeCalled: false });
    expect((await jobFor(h, { offsetMs: 5 * MINUTE }).run()).result(cashOutId)).toBeUndefined();
    const { result, requests } = await jobFor(h, { offsetMs: 11 * MINUTE }).run();
    expect(result(cashOutId)).toMatchObject({
      from: 'processing',
      outcome: 'resolved',
      to: 'rejected',
      reason: 'abandoned_before_payment',
    });
    expect(requests.filter((r) => JSON.stringify(r.params).includes(cashOutId))).toEqual([]);

    const redelivery = await h.send(body);
    expect(redelivery.statusCode).toBe(500);
    expect(redelivery.body.error).toBe('cash_out_not_completed');
    expect(h.stripe.requests.filter((r) => r.created && JSON.stringify(r.params).includes(cashOutId))).toEqual([]);
  });

  test('a claim that crashed after Stripe paid goes to an operator by default: what Village heard is not known, so nothing is taken back or invented', async () => {
    const { cashOutId } = await crashedClaim(h, { stripeCalled: true });
    const job = jobFor(h, { offsetMs: 11 * MINUTE });
    const { result, requests } = await job.run();
    expect(result(cashOutId)).toMatchObject({
      from: 'processing',
      outcome: 'needs_operator',
      to: 'pending',
      reason: 'village_answer_unknown',
    });
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(payoutOf(h, cashOutId).status).toBe('pending');
    const item = (await h.ledger.get(cashOutId)) as ReconciledItem;
    expect(item).toMatchObject({
      status: 'pending',
      needsOperator: true,
      operatorReason: 'village_answer_unknown',
      stripeObjectId: payoutOf(h, cashOutId).id,
    });
    expect(item.answer).toBeUndefined();
    expect(item.needsCompensation).toBeUndefined();
    expect(job.lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'Cash-out needs an operator', cashOutId }));
  });

  test('set to compensate, a claim that crashed after Stripe paid is taken back, and a later redelivery cannot turn it into a 200', async () => {
    const { cashOutId, body } = await crashedClaim(h, { stripeCalled: true });
    expect(
      (await jobFor(h, { offsetMs: 11 * MINUTE, settings: { unansweredMoneyMoved: 'compensate' } }).run()).result(cashOutId),
    ).toMatchObject({ from: 'processing', outcome: 'compensated', to: 'canceled' });
    expect(payoutOf(h, cashOutId).status).toBe('canceled');

    // Without the stored answer, the handler would replay Stripe's idempotent "pending" and answer 200.
    const redelivery = await h.send(body);
    expect(redelivery.statusCode).toBe(500);
    expect(await h.ledger.get(cashOutId)).toMatchObject({
      status: 'canceled',
      compensation: 'payout_canceled',
      answerState: 'reconciled',
    });
  });

  test('a claim whose lease is still valid is never written to', async () => {
    const { cashOutId } = await crashedClaim(h, { stripeCalled: true });
    await h.ledger.update(cashOutId, 'dead-attempt', { leaseExpiresAt: Date.now() + 24 * HOUR }, new Date());
    const before = await h.ledger.get(cashOutId);
    await jobFor(h, { offsetMs: 11 * MINUTE }).run();
    expect(await h.ledger.get(cashOutId)).toEqual(before);
    expect(payoutOf(h, cashOutId).status).toBe('pending');
  });

  test('a stale payout answered 200 takes its true status from Stripe, and one still open is only marked as checked', async () => {
    const paid = cashOut();
    const failed = cashOut();
    const open = cashOut();
    for (const request of [paid, failed, open]) expect((await h.send(request)).statusCode).toBe(200);
    payoutOf(h, String(paid.cash_out_id)).status = 'paid';
    Object.assign(payoutOf(h, String(failed.cash_out_id)), {
      status: 'failed',
      failure_code: 'account_closed',
      failure_message: 'The bank account has been closed.',
    });
    const openBefore = await h.ledger.get(String(open.cash_out_id));

    expect((await jobFor(h, { offsetMs: HOUR }).run()).result(paid.cash_out_id)).toBeUndefined();
    const { result } = await jobFor(h, { offsetMs: 73 * HOUR }).run();
    expect(result(paid.cash_out_id)).toMatchObject({ outcome: 'resolved', from: 'pending', to: 'paid' });
    expect(result(failed.cash_out_id)).toMatchObject({ outcome: 'resolved', to: 'failed' });
    expect(result(open.cash_out_id)).toMatchObject({ outcome: 'unchanged' });
    expect(await h.ledger.get(String(paid.cash_out_id))).toMatchObject({ status: 'paid', answer: { statusCode: 200 } });
    expect(await h.ledger.get(String(failed.cash_out_id))).toMatchObject({
      status: 'failed',
      failedAfterPaid: true,
      failureCode: 'account_closed',
    });
    const openAfter = (await h.ledger.get(String(open.cash_out_id))) as ReconciledItem;
    expect(openAfter).toMatchObject({ status: 'pending', updatedAt: openBefore?.updatedAt, reconciledAt: expect.any(String) });
    // Checked once; not again until the recheck interval has passed.
    expect((await jobFor(h, { offsetMs: 74 * HOUR }).run()).result(open.cash_out_id)).toBeUndefined();
    expect((await jobFor(h, { offsetMs: 80 * HOUR }).run()).result(open.cash_out_id)).toMatchObject({ outcome: 'unchanged' });
  });

  test('a Stripe event landing while the job asks Stripe wins: the job writes nothing over it', async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    const real = jobFor(h).deps.stripe;
    const racing: ReconcileDeps['stripe'] = {
      ...real,
      async find(item) {
        const finding = await real.find(item);
        // The Stripe events route records payout.canceled meanwhile.
        payoutOf(h, cashOutId).status = 'canceled';
        await h.tables.db.send(
          new (await import('@aws-sdk/lib-dynamodb')).UpdateCommand({
            TableName: h.tables.names.ledger,
            Key: { cashOutId },
            UpdateExpression: 'SET #s = :s, lastEventCreated = :c, updatedAt = :u',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':s': 'canceled', ':c': Math.floor(Date.now() / 1000), ':u': new Date().toISOString() },
          }),
        );
        return finding;
      },
    };
    const { result, requests } = await jobFor(h, { stripe: racing }).run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'conflict' });
    expect(requests.filter((r) => r.path.endsWith('/cancel'))).toEqual([]);
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'canceled' });
  });

  test('a dry run decides and reports, but writes nothing and changes nothing at Stripe', async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    const before = await h.ledger.get(cashOutId);
    const { result, requests } = await jobFor(h, { dryRun: true }).run();
    expect(result(cashOutId)).toMatchObject({ outcome: 'planned', reason: 'cancel_payout' });
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await h.ledger.get(cashOutId)).toEqual(before);
    expect(payoutOf(h, cashOutId).status).toBe('pending');
  });
});

describe('reconciling transfers (transfer mode)', () => {
  let t: VillageHarness;
  beforeAll(async () => {
    t = await villageHarness({ mode: 'transfer' });
    await t.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    await t.send(cashOut());
  });
  afterAll(async () => t.stop());

  test('Village was answered 500 but the transfer was made: the job reverses it, once, with its own idempotency key', async () => {
    const cashOutId = await answeredUnknownButPaid(t);
    const { result, requests } = await jobFor(t).run();
    const transfer = transferOf(t, cashOutId);
    expect(result(cashOutId)).toMatchObject({ outcome: 'compensated', to: 'reversed', reason: 'transfer_reversed' });
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'GET', path: '/v1/transfers', params: expect.objectContaining({ transfer_group: cashOutId }) }),
    );
    expect(requests.filter((r) => r.path === `/v1/transfers/${transfer.id}/reversals`)).toEqual([
      expect.objectContaining({ idempotencyKey: `reconcile-reversal:${cashOutId}` }),
    ]);
    expect(transfer).toMatchObject({ reversed: true, amount_reversed: transfer.amount });
    expect(await t.ledger.get(cashOutId)).toMatchObject({
      status: 'reversed',
      compensation: 'transfer_reversed',
      amountReversed: transfer.amount,
      stripeObjectType: 'transfer',
    });
    expect((await jobFor(t).run()).result(cashOutId)).toBeUndefined();
  });

  test('an item the Stripe events route marked needsCompensation (paid, answered 500) is reversed', async () => {
    const request = cashOut();
    expect((await t.send(request)).statusCode).toBe(200);
    const cashOutId = String(request.cash_out_id);
    // As the events route leaves it when Village was told 500 but transfer.created arrives.
    await t.tables.db.send(
      new (await import('@aws-sdk/lib-dynamodb')).UpdateCommand({
        TableName: t.tables.names.ledger,
        Key: { cashOutId },
        UpdateExpression: 'SET answer.statusCode = :c, needsCompensation = :t, updatedAt = :u',
        ExpressionAttributeValues: { ':c': 500, ':t': true, ':u': new Date().toISOString() },
      }),
    );
    expect((await jobFor(t).run()).result(cashOutId)).toMatchObject({ from: 'paid', outcome: 'compensated', to: 'reversed' });
    const item = (await t.ledger.get(cashOutId)) as ReconciledItem;
    expect(item.status).toBe('reversed');
    expect(item.needsCompensation).toBeUndefined();
  });

  test('a transfer paid and answered 200 is never reversed', async () => {
    const request = cashOut();
    expect((await t.send(request)).statusCode).toBe(200);
    await jobFor(t, { offsetMs: 100 * HOUR }).run();
    expect(transferOf(t, String(request.cash_out_id)).reversed).toBe(false);
    expect(await t.ledger.get(String(request.cash_out_id))).toMatchObject({ status: 'paid' });
  });
});

describe('the scheduled Lambda', () => {
  let h: VillageHarness;
  beforeAll(async () => {
    h = await villageHarness();
    await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    await h.send(cashOut()); // warms the clients, so the first timed cash-out is not slowed by loading them
  });
  afterAll(async () => h.stop());

  test('is wired from the environment, runs one reconciliation per schedule tick and emits a metric per outcome', async () => {
    const cashOutId = await answeredUnknownButPaid(h);
    const metrics = makeMetrics('reconcile-test');
    const added: [string, number][] = [];
    jest.spyOn(metrics, 'addMetric').mockImplementation((name: string, _unit: unknown, value: number) => {
      added.push([name, value]);
      return metrics;
    });
    const deps = reconcileDepsFromEnv(
      {
        LEDGER_TABLE: h.tables.names.ledger,
        DYNAMODB_ENDPOINT: h.tables.endpoint,
        STRIPE_API_BASE: h.stripe.url,
        STRIPE_SECRET_KEY: 'sk_test_wired',
      },
      { logger: silentLogger(), metrics },
      { now: () => Date.now() + MINUTE },
    );
    const handler = makeReconcileHandler(deps);
    const summary: Omit<ReconcileSummary, 'items'> = await handler(
      { id: 'evt-1', 'detail-type': 'Scheduled Event' },
      lambdaContext(300_000),
    );
    expect(summary.counts.compensated).toBeGreaterThanOrEqual(1);
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'canceled' });
    expect(added.map(([name]) => name).sort()).toEqual(Object.values(METRIC_NAMES).sort());
    expect(added).toContainEqual(['ReconcileNeedsOperator', 0]);
  });

  test('a missing setting fails at cold start, naming it', () => {
    expect(() => reconcileDepsFromEnv({ STRIPE_SECRET_KEY: 'sk_test_x' }, { logger: silentLogger() })).toThrow(ConfigError);
    expect(() => reconcileDepsFromEnv({ STRIPE_SECRET_KEY: 'sk_test_x' }, { logger: silentLogger() })).toThrow(/LEDGER_TABLE/);
  });
});

describe('the reconciliation construct', () => {
  const synth = (context: Record<string, unknown> = {}, rateMinutes?: number) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
    const stack = new Stack(app, 'ReconcileTest');
    const ledger = new TableV2(stack, 'Ledger', { partitionKey: { name: 'cashOutId', type: AttributeType.STRING } });
    const other = new TableV2(stack, 'Other', { partitionKey: { name: 'id', type: AttributeType.STRING } });
    const stripeKey = new Secret(stack, 'StripeKey');
    new Secret(stack, 'OtherSecret');
    const reconciliation = new Reconciliation(stack, 'Reconciliation', { ledger, stripeSecretKey: stripeKey, rateMinutes });
    return { template: Template.fromStack(stack), stack, ledger, other, stripeKey, reconciliation };
  };

  test('runs the job every 15 minutes by default, and at the rate given by context or prop', () => {
    synth().template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)', State: 'ENABLED' });
    synth({ reconcileRateMinutes: '5' }).template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    synth({}, 30).template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(30 minutes)' });
  });

  test('may read and update the ledger and read the Stripe key, and nothing else', () => {
    const { template, stack, ledger, other, stripeKey } = synth();
    const statements = Object.values(
      template.toJSON().Resources as Record<
        string,
        { Type: string; Properties: { PolicyDocument?: { Statement: { Action: string | string[]; Resource: unknown }[] } } }
      >,
    )
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument!.Statement);
    const on = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
    const actionsOn = (id: string) =>
      statements
        .filter((s) => JSON.stringify(s.Resource).includes(id))
        .flatMap((s) => [s.Action].flat())
        .sort();
    expect(actionsOn(on(ledger))).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(actionsOn(on(other))).toEqual([]);
    expect(actionsOn(on(stripeKey))).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));
    expect(JSON.stringify(statements)).not.toContain('OtherSecret');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'reconcile',
          LEDGER_TABLE: { Ref: on(ledger) },
          STRIPE_SECRET_KEY_ARN: { Ref: on(stripeKey) },
        },
      },
    });
  });
});

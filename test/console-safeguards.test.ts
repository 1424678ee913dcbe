/**
 * The operator console's and its commands' safeguards: an action changes only the record it was
 * asked about and only as the operator saw it, money moves at most once, a dry run writes
 * nothing, secrets stay hidden, and bad input is refused without a crash.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OperatorCashOut } from '../operator/attention.js';
import { replayEvent } from '../operator/replay.js';
import { decisionKey, previewReconcile, reconcileNow } from '../operator/reconcile-now.js';
import type { MoneyObject, ReconciledItem, StripeFinding } from '../functions/reconcile/decide.js';
import type { StripeMoney } from '../functions/reconcile/stripe-money.js';
import { eventKey, StripeEventStore, type NewStripeEvent } from '../functions/stripe-events/event-store.js';
import { cashOutSubject } from '../functions/shared/history.js';
import { eventSubject } from '../operator/replay.js';
import { kindShard } from '../functions/shared/record-index.js';
import { statusShard } from '../functions/shared/status-index.js';
import { TABLES } from '../infra/tables.js';
import { ledgerItem, putLedgerItem, unknownLedgerItem } from './support/ledger-items.js';
import { consoleHarness, text, type ConsoleHarness } from './support/console.js';
import { stripeEvent, uniqueId } from './support/stripe-events.js';

let h: ConsoleHarness;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  h = await consoleHarness();
});
afterAll(() => h.stop());

const MINUTE = 60_000;
const put = (item: OperatorCashOut) => putLedgerItem(h.tables, item);

/** The fields a form on a page carries (hidden ones with their values), as the browser would post them. */
function formFields(page: string, formId: string): Record<string, string> {
  const start = page.indexOf(`id="${formId}"`);
  const form = page.slice(start, page.indexOf('</form>', start));
  return Object.fromEntries(
    [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [
      match[1]!,
      match[2]!.replaceAll('&#39;', "'").replaceAll('&amp;', '&'),
    ]),
  );
}

/** A Stripe event as the route stores it, for `sourceId`. */
function storedFields(event: ReturnType<typeof stripeEvent>): NewStripeEvent {
  return {
    provider: 'stripe',
    eventId: event.id,
    type: event.type,
    account: event.account,
    livemode: Boolean(event.livemode),
    created: event.created,
    objectId: event.data.object.id as string,
    receivedAt: iso(Date.now()),
    payload: JSON.stringify(event),
    expiresAt: Math.floor(Date.now() / 1000) + 86_400,
  };
}

describe('replay stays on the event it was asked about', () => {
  test("a merchant source's event is held and marked as its own, never as the platform's event of the same id", async () => {
    const merchant = new StripeEventStore(h.tables.db, h.tables.names.events, 'acme-shop');
    const platform = new StripeEventStore(h.tables.db, h.tables.names.events);
    const payout = stripeEvent('payout.paid', { id: uniqueId('po') }, { account: 'acct_1Acme' });
    await merchant.claim(storedFields(payout), 'delivery-1', Date.now(), 30_000);
    await merchant.markApplied(payout.id, 'delivery-1', 'applied', undefined, new Date());

    // Only the merchant has it: the replay looks under the merchant's key, not the platform's `stripe:<id>`.
    const first = await replayEvent(eventKey(payout.id, 'acme-shop'), h.deps.replay, { dryRun: false });
    expect(first.outcome).not.toBe('in_flight');
    expect(await merchant.get(payout.id)).toMatchObject({ replays: 1 });
    expect(await platform.get(payout.id)).toBeUndefined();

    // The platform has an event of the same id, held by a delivery right now: the merchant's replay neither waits on it nor takes it over.
    await platform.claim(storedFields(payout), 'platform-delivery', Date.now(), 60_000);
    const second = await replayEvent(eventKey(payout.id, 'acme-shop'), h.deps.replay, { dryRun: false });
    expect(second.outcome).not.toBe('in_flight');
    expect(await merchant.get(payout.id)).toMatchObject({ replays: 2 });
    expect(await platform.get(payout.id)).toMatchObject({ claimToken: 'platform-delivery', deliveries: 1 });
    expect((await platform.get(payout.id))!.replays).toBeUndefined();
  });
});

describe('acknowledging covers what the operator saw, nothing newer', () => {
  test('a flag raised after the page was shown is not acknowledged by its form: 409, nothing written, the flag stays open', async () => {
    const cashOutId = uniqueId('co');
    await put(
      ledgerItem(cashOutId, {
        needsOperator: true,
        operatorReason: 'payout_in_transit_cannot_be_canceled',
        answer: { statusCode: 500, body: {} },
      }),
    );
    const page = await h.get(`/cash-outs/${cashOutId}`);
    const form = formFields(page.body, 'acknowledge');

    // Meanwhile the payout fails after all: a new reason, on a different state than the one shown.
    await h.tables.db.send(
      new UpdateCommand({
        TableName: h.tables.names.ledger,
        Key: { cashOutId },
        UpdateExpression: 'SET failedAfterPaid = :t, #s = :failed, statusShard = :shard, updatedAt = :now',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':t': true, ':failed': 'failed', ':shard': statusShard(cashOutId, 'failed'), ':now': iso(Date.now()) },
      }),
    );
    const before = await h.snapshot();
    const ack = await h.post(`/cash-outs/${cashOutId}/acknowledge`, { ...form, note: 'Called Ada; the payout lands Friday.' });
    expect(ack.status).toBe(409);
    expect(text(ack.body)).toContain('changed while you were looking');
    expect(await h.snapshot()).toEqual(before);
    expect(await h.deps.history.list(cashOutSubject(cashOutId))).toEqual([]);
    const queue = await h.deps.cashOuts.attention(Date.now(), 86_400_000);
    expect(queue.open.map((item) => item.cashOutId)).toContain(cashOutId);
  });

  test('the form from an unchanged page still acknowledges; a post without the state it saw is refused', async () => {
    const cashOutId = uniqueId('co');
    await put(ledgerItem(cashOutId, { status: 'unknown', answer: { statusCode: 500, body: {} } }));
    const form = formFields((await h.get(`/cash-outs/${cashOutId}`)).body, 'acknowledge');
    const bare = await h.post(`/cash-outs/${cashOutId}/acknowledge`, { note: 'no page seen' });
    expect(bare.status).toBe(400);
    expect((await h.deps.cashOuts.get(cashOutId))!.acknowledged).toBeUndefined();
    const ack = await h.post(`/cash-outs/${cashOutId}/acknowledge`, { ...form, note: 'Stripe support ticket 42' });
    expect(ack.status).toBe(303);
    expect((await h.deps.cashOuts.get(cashOutId))!.acknowledged).toMatchObject({ reasons: ['unknown'], note: 'Stripe support ticket 42' });
  });
});

/** A Stripe whose answers to `find` are given in turn (the last one repeats), and which counts what it is asked to do. */
function scriptedStripe(findings: StripeFinding[]): StripeMoney & { finds: number; cancels: string[]; reversals: string[] } {
  const stripe = {
    finds: 0,
    cancels: [] as string[],
    reversals: [] as string[],
    async find(_item: ReconciledItem): Promise<StripeFinding> {
      return findings[Math.min(stripe.finds++, findings.length - 1)]!;
    },
    async cancelPayout(_item: ReconciledItem, payoutId: string): Promise<MoneyObject> {
      stripe.cancels.push(payoutId);
      return { id: payoutId, object: 'payout', status: 'canceled', amount: 2015, currency: 'usd', created: 0 };
    },
    async reverseTransfer(_item: ReconciledItem, transferId: string): Promise<MoneyObject> {
      stripe.reversals.push(transferId);
      return { id: transferId, object: 'transfer', status: 'reversed', amount: 2015, currency: 'usd', created: 0 };
    },
  };
  return stripe;
}

/** The cash-out's payout as Stripe lists it: pending, so reconciliation can still cancel it. */
const pendingPayout = (): MoneyObject => ({
  id: uniqueId('po'),
  object: 'payout',
  status: 'pending',
  amount: 2015,
  currency: 'usd',
  created: Math.floor(Date.now() / 1000),
});

describe('reconcile now acts on the decision shown, or not at all', () => {
  test('Stripe answering differently at the moment of acting (its list is eventually consistent) changes nothing: no cancel, nothing written', async () => {
    const cashOutId = uniqueId('co');
    await put(unknownLedgerItem(cashOutId, 25 * 3_600_000));
    const payout = pendingPayout();
    // Shown: no payout at Stripe, so "record rejected". Then the payout appears in Stripe's list.
    const stripe = scriptedStripe([{ found: 'none' }, { found: 'none' }, { found: 'one', object: payout }]);
    const deps = { ...h.deps.reconcile!, stripe };
    const shown = await previewReconcile(cashOutId, deps);
    expect(shown).toMatchObject({ outcome: 'planned', reason: 'record:no_payout_found', to: 'rejected' });

    // Whichever read of Stripe the act makes, it does what was shown or nothing: it never cancels a payout it was not shown.
    const done = await reconcileNow(cashOutId, decisionKey(shown), deps, { who: 'test' });
    expect(stripe.cancels).toEqual([]);
    expect(done.result?.outcome).not.toBe('compensated');
    if (done.acted) expect(done.result).toMatchObject({ outcome: 'resolved', to: 'rejected' });
  });

  test('a decision that changed by the moment of acting is shown instead, and nothing is done', async () => {
    const cashOutId = uniqueId('co');
    await put(unknownLedgerItem(cashOutId, 25 * 3_600_000));
    const payout = pendingPayout();
    const stripe = scriptedStripe([{ found: 'none' }, { found: 'one', object: payout }]);
    const deps = { ...h.deps.reconcile!, stripe };
    const shown = await previewReconcile(cashOutId, deps);
    const before = await h.snapshot();
    const done = await reconcileNow(cashOutId, decisionKey(shown), deps, { who: 'test' });
    expect(done.acted).toBe(false);
    expect(done.decision).toMatchObject({ outcome: 'planned', reason: 'cancel_payout', stripeObjectId: payout.id });
    expect(done.decision.withheld).toBeUndefined();
    expect(stripe.cancels).toEqual([]);
    expect(await h.snapshot()).toEqual(before);
  });

  test('two confirmations of one decision (a double click, two tabs) take the money back once', async () => {
    const cashOutId = uniqueId('co');
    await put(unknownLedgerItem(cashOutId, 9 * MINUTE));
    const payout = pendingPayout();
    const stripe = scriptedStripe([{ found: 'one', object: payout }]);
    const deps = { ...h.deps.reconcile!, stripe };
    const shown = await previewReconcile(cashOutId, deps);
    expect(shown).toMatchObject({ outcome: 'planned', reason: 'cancel_payout' });
    const both = await Promise.all([
      reconcileNow(cashOutId, decisionKey(shown), deps, { who: 'tab 1' }),
      reconcileNow(cashOutId, decisionKey(shown), deps, { who: 'tab 2' }),
    ]);
    expect(stripe.cancels).toEqual([payout.id]);
    expect(both.filter((done) => done.result?.outcome === 'compensated')).toHaveLength(1);
    expect(await h.deps.cashOuts.get(cashOutId)).toMatchObject({ status: 'canceled', compensation: 'payout_canceled' });
  });
});

/** An npm script as an operator types it, against this file's tables. */
function npmRun(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const tables = Object.fromEntries(TABLES.map((table) => [table.env, h.tables.names[table.id]]));
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', ...args],
      {
        env: { ...process.env, ...tables, DYNAMODB_ENDPOINT: h.tables.endpoint, STRIPE_API_BASE: h.standIn.url, NODE_OPTIONS: '' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('a dry run asked for without `--` is refused, not run for real', () => {
  test('`npm run replay <event> --dry-run` (npm keeps --dry-run for itself) replays nothing and says how to write it', async () => {
    const event = stripeEvent('customer.created');
    await h.stripe.send(event);
    const before = await h.snapshot();
    const run = await npmRun('replay', event.id, '--dry-run');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('npm run replay -- ');
    expect(await h.snapshot()).toEqual(before);
    expect(await h.deps.history.list(eventSubject(eventKey(event.id)))).toEqual([]);

    const written = await npmRun('replay', '--', event.id, '--dry-run');
    expect(written.code).toBe(0);
    expect(written.stdout).toContain('Dry run: nothing is written.');
    expect(await h.snapshot()).toEqual(before);
  }, 90_000);

  test('`npm run reconcile --cash-out=<id> --dry-run` is refused, not a full reconciliation run', async () => {
    const cashOutId = uniqueId('co');
    await put(unknownLedgerItem(cashOutId, 25 * 3_600_000));
    const before = await h.snapshot();
    const run = await npmRun('reconcile', `--cash-out=${cashOutId}`, '--dry-run');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('npm run reconcile -- ');
    expect(await h.snapshot()).toEqual(before);
  }, 90_000);
});

describe('secrets inside stored bodies stay hidden', () => {
  test("a client secret inside a URL value (Stripe's 3-D Secure redirect) is redacted on the event's page", async () => {
    const secret = 'pi_3Adversarial0001_secret_TopSecretValue123';
    // Shaped like a live secret key, assembled here so that no key-shaped literal is committed.
    const liveKey = ['sk', 'live', '51AbcDefGhiJklMnoPqr'].join('_');
    const event = stripeEvent('payment_intent.requires_action', {
      next_action: {
        type: 'redirect_to_url',
        redirect_to_url: {
          url: `https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1Acme&payment_intent=pi_3Adversarial0001&payment_intent_client_secret=${secret}&publishable_key=pk_test_123&source=payatt_1`,
          return_url: 'https://shop.example.com/return',
        },
      },
      metadata: { pasted_by_mistake: liveKey, hook: 'whsec_0123456789abcdef' },
    });
    await h.stripe.send(event);
    const page = await h.get(`/events/${encodeURIComponent(eventKey(event.id))}`);
    expect(page.status).toBe(200);
    for (const hidden of ['TopSecretValue123', liveKey, 'whsec_0123456789abcdef']) expect(page.body).not.toContain(hidden);
    expect(page.body).toContain('payment_intent=pi_3Adversarial0001');
    expect(page.body).toContain('return_url');
  });
});

describe('bad input is a clear refusal, never a 500', () => {
  test('ids, searches, filters and cursors too long for DynamoDB, or cursors of the wrong shape, are refused with 400 (or not found), changing nothing', async () => {
    const long = 'x'.repeat(3000);
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    const before = await h.snapshot();
    const gets = [
      `/cash-outs/${long}`,
      `/events/${long}`,
      `/events/stripe%3A${long}`,
      `/events?q=stripe:${long}`,
      `/events?q=${long}`,
      `/records/transaction/${long}`,
      `/records?kind=transaction&status=${long}`,
      `/records?kind=transaction&cursor=${cursor({ kind: 'transaction' })}`,
      `/records?kind=transaction&cursor=${cursor({ kind: 'transaction', id: 'a', status: 'b', extra: 'c' })}`,
      `/cash-outs?cursor=${cursor(['a'.repeat(1500), 'b'])}`,
      `/events?cursor=${cursor(['a'.repeat(1500), 'b'])}`,
    ];
    for (const path of gets) {
      const response = await h.get(path);
      expect([path.slice(0, 60), response.status]).toEqual([path.slice(0, 60), expect.any(Number)]);
      expect([path.slice(0, 60), response.status < 500]).toEqual([path.slice(0, 60), true]);
      expect(response.body).not.toContain('ValidationException');
    }
    for (const path of [`/cash-outs/${long}/acknowledge`, `/cash-outs/${long}/reconcile`, `/events/${long}/replay`]) {
      const response = await h.post(path, { note: 'x', seen: 'y', dryRun: '0', step: 'apply', expected: 'z' });
      expect([path.slice(0, 60), response.status]).toEqual([path.slice(0, 60), 400]);
    }
    expect(await h.snapshot()).toEqual(before);

    // A cursor the console gave out still pages.
    for (let index = 0; index < 27; index += 1) {
      await h.tables.db.send(
        new PutCommand({
          TableName: h.tables.names.records,
          Item: {
            id: `tx_page_${index}`,
            kind: 'refund',
            status: 'succeeded',
            amount: 100,
            currency: 'usd',
            kindShard: kindShard('refund', `tx_page_${index}`),
            updatedAt: iso(Date.now() - index),
          },
        }),
      );
    }
    const first = await h.get('/records?kind=refund');
    const next = /<a href="([^"]+)" rel="next">/.exec(first.body)![1]!.replaceAll('&amp;', '&');
    const second = await h.get(next);
    expect(second.status).toBe(200);
    expect([...second.body.matchAll(/data-record="/g)]).toHaveLength(2);
  });
});

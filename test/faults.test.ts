import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LedgerStore } from '../functions/shared/ledger.js';
import { faultyDocumentClient } from './support/faults.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

let h: VillageHarness;
beforeAll(async () => {
  h = await villageHarness();
  await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
});
afterAll(async () => h.stop());

const payoutsFor = (cashOutId: unknown) =>
  h.stripe.requests.filter((r) => r.created && (r.params.metadata as Record<string, string> | undefined)?.cash_out_id === cashOutId);

describe('faults during a cash-out', () => {
  test('DynamoDB unreachable: 500, nothing paid', async () => {
    const down = await villageHarness({});
    await down.recipients.put('ada@example.com', 'acct_1Ada', new Date());
    const unreachable = new LedgerStore(
      faultyDocumentClient(down.tables.endpoint, () => true),
      down.tables.names.ledger,
    );
    const broken = await villageHarness({ ledger: unreachable, recipients: down.recipients });
    try {
      const request = cashOut();
      const response = await broken.send(request);
      expect(response.statusCode).toBe(500);
      expect(broken.stripe.requests).toHaveLength(0);
      expect(await down.ledger.get(String(request.cash_out_id))).toBeUndefined();
    } finally {
      await broken.stop();
      await down.stop();
    }
  });

  test('DynamoDB failing after Stripe accepted: 200 (the money went), and the redelivery finds the same payout — no second one', async () => {
    let failFinalWrite = true;
    const flaky = new LedgerStore(
      faultyDocumentClient(
        h.tables.endpoint,
        (command, input) => failFinalWrite && command.startsWith('Update') && JSON.stringify(input).includes('"answer"'),
      ),
      h.tables.names.ledger,
    );
    const harness = await villageHarness({ ledger: flaky, recipients: h.recipients, deadlineMs: 3000, answerMarginMs: 300 });
    try {
      const request = cashOut();
      const cashOutId = String(request.cash_out_id);
      const first = await harness.send(request, { remainingMs: 3000 });
      expect(first.statusCode).toBe(200);
      const payouts = harness.stripe.requests.filter((r) => r.created);
      expect(payouts).toHaveLength(1);
      // The ledger could not be finished: it still shows the claim, with the Stripe call marked.
      const stuck = await h.ledger.get(cashOutId);
      expect(stuck).toMatchObject({ status: 'processing' });
      expect(stuck?.stripeRequestSentAt).toEqual(expect.any(String));

      // DynamoDB recovers; the claim's lease runs out; the same cash-out is redelivered.
      failFinalWrite = false;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, (stuck?.leaseExpiresAt ?? 0) - Date.now() + 50)));
      const again = await harness.send(request);
      expect(again.statusCode).toBe(200);
      expect((again.body.stripe as { id: string }).id).toBe((first.body.stripe as { id: string }).id);
      expect(harness.stripe.requests.filter((r) => r.created)).toHaveLength(1);
      expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'pending', answer: { statusCode: 200 } });
    } finally {
      await harness.stop();
    }
  });

  test('DynamoDB failing while the Stripe call is being marked: nothing is sent to Stripe', async () => {
    const flaky = new LedgerStore(
      faultyDocumentClient(
        h.tables.endpoint,
        (command, input) => command.startsWith('Update') && JSON.stringify(input).includes('stripeRequestSentAt'),
      ),
      h.tables.names.ledger,
    );
    const harness = await villageHarness({ ledger: flaky, recipients: h.recipients });
    try {
      const request = cashOut();
      const response = await harness.send(request);
      expect(response.statusCode).toBe(500);
      expect(harness.stripe.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
      expect(payoutsFor(request.cash_out_id)).toHaveLength(0);
    } finally {
      await harness.stop();
    }
  });
});

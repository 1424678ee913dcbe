import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { importHarness, seedHistory, type ImportHarness } from './support/import.js';
import { seedCashOut, uniqueId } from './support/stripe-events.js';

const DAY = 86_400;
const ACCOUNT = 'acct_1ImportLostFailure';
const nowSeconds = () => Math.floor(Date.now() / 1000);

let h: ImportHarness;
beforeEach(async () => {
  h = await importHarness();
});
afterEach(async () => h.stop());

describe('the import and a payout whose failure no event brought', () => {
  test('a cash-out paid by a newer event whose payout Stripe now lists as failed is moved to failed and flagged failed after paid', async () => {
    const t0 = nowSeconds() - 45 * DAY;
    const cashOutId = uniqueId('co');
    const payoutId = uniqueId('po');
    // Village was told 200; payout.paid (a day after the payout was made) moved the ledger to paid.
    await seedCashOut(h.ledger, {
      cashOutId,
      status: 'paid',
      answerStatusCode: 200,
      stripeObjectId: payoutId,
      accountId: ACCOUNT,
      lastEventCreated: t0 + DAY,
    });
    // Then the bank returned it: payout.failed never arrived (the webhook was down), and Stripe keeps events 30 days.
    seedHistory(h.stripe, 'payouts', 1, {
      start: t0,
      account: ACCOUNT,
      fields: {
        id: payoutId,
        status: 'failed',
        failure_code: 'account_closed',
        amount: 2015,
        currency: 'usd',
        metadata: { cash_out_id: cashOutId },
      },
    });

    const summary = await h.runImport({ since: Date.now() - 60 * DAY * 1000, sourceId: 'platform' });

    expect(summary.lists.find((list) => list.account === ACCOUNT)).toMatchObject({ listed: 1, written: 1 });
    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'failed', failedAfterPaid: true, failureCode: 'account_closed' });
  }, 60_000);

  test('a payout the ledger follows that Stripe lists as canceled after a newer event is moved to canceled', async () => {
    const t0 = nowSeconds() - 45 * DAY;
    const cashOutId = uniqueId('co');
    const payoutId = uniqueId('po');
    // Village was told the cash-out failed (a late answer), and an event moved the payout on to pending later.
    await seedCashOut(h.ledger, {
      cashOutId,
      status: 'pending',
      answerStatusCode: 500,
      stripeObjectId: payoutId,
      accountId: ACCOUNT,
      lastEventCreated: t0 + 60,
    });
    seedHistory(h.stripe, 'payouts', 1, {
      start: t0,
      account: ACCOUNT,
      fields: { id: payoutId, status: 'canceled', amount: 2015, currency: 'usd', metadata: { cash_out_id: cashOutId } },
    });

    await h.runImport({ since: Date.now() - 60 * DAY * 1000, sourceId: 'platform' });

    expect(await h.ledger.get(cashOutId)).toMatchObject({ status: 'canceled' });
  }, 60_000);
});

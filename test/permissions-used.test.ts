import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { connectedAccountsWithCashOuts } from '../functions/catch-up/accounts.js';
import { reconcile } from '../functions/reconcile/reconcile.js';
import { ReconcileStore } from '../functions/reconcile/store.js';
import { stripeMoney } from '../functions/reconcile/stripe-money.js';
import { staticSecret } from '../functions/shared/secrets.js';
import { STATUS_INDEX, STATUS_SHARDS } from '../functions/shared/status-index.js';
import { stripeFromSecret } from '../functions/shared/wiring.js';
import { CATCH_UP_TABLE_ACCESS } from '../infra/catch-up.js';
import { REPORTS_TABLE_ACCESS } from '../infra/reports.js';
import { StripeStandIn } from '../dev/stripe-stand-in.js';
import { closeOf } from '../functions/close/close-reads.js';
import { runReportsJob } from '../functions/reports/job.js';
import { ReportStore } from '../functions/reports/report-store.js';
import { makeStripe } from '../functions/shared/stripe-sdk.js';
import { systemClock } from '../functions/shared/clock.js';
import type { TableAccess } from '../infra/grants.js';
import { RECONCILE_LEDGER_ACCESS } from '../infra/reconciliation.js';
import { route } from '../infra/routes.js';
import type { TableNames } from '../dev/create-tables.js';
import { justWalletEvent, justWalletHarness, type JustWalletHarness } from './support/just-wallet.js';
import { seedCashOut, stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';
import { silentLogger } from './support/telemetry.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

/**
 * The other half of least privilege: what each function's code really sends to DynamoDB, seen
 * on the wire while it handles the usual deliveries, is all within what its role grants
 * (infra/routes.ts, infra/reconciliation.ts). A call added to a store without its grant fails here,
 * not with AccessDenied in AWS.
 */
type Call = { command: string; table: string; index?: string };

/** Records the calls a document client sends while `during` runs. */
function recorder(db: DynamoDBDocumentClient, ...tableSets: TableNames[]) {
  const tableIds = new Map(tableSets.flatMap((names) => Object.entries(names).map(([id, name]) => [name, id] as const)));
  const calls: Call[] = [];
  let recording = false;
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if (recording && String(context.commandName) === 'TransactWriteItemsCommand') {
        // A transaction is authorised item by item, as the calls it is made of.
        const items = (args.input as { TransactItems?: Record<string, { TableName?: string }>[] }).TransactItems ?? [];
        const action: Record<string, string> = {
          Put: 'PutItem',
          Update: 'UpdateItem',
          Delete: 'DeleteItem',
          ConditionCheck: 'ConditionCheckItem',
        };
        for (const item of items)
          for (const [kind, input] of Object.entries(item))
            calls.push({ command: action[kind] ?? kind, table: tableIds.get(input.TableName ?? '') ?? `unknown table ${input.TableName}` });
      } else if (recording) {
        const input = args.input as { TableName?: string; IndexName?: string };
        calls.push({
          command: String(context.commandName).replace(/Command$/, ''),
          table: tableIds.get(input.TableName ?? '') ?? `unknown table ${input.TableName}`,
          index: input.IndexName,
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordPermissionsUsed' },
  );
  return {
    calls,
    async during<T>(work: () => Promise<T>): Promise<T> {
      recording = true;
      try {
        return await work();
      } finally {
        recording = false;
      }
    },
  };
}

/** The calls not covered by the grants, each as "Command table[/index]". */
function notGranted(calls: Call[], grants: Partial<Record<string, TableAccess>>): string[] {
  const allowed = (call: Call) => {
    const access = grants[call.table];
    if (!access) return false;
    if (call.index) return call.command === 'Query' && (access.queries ?? []).includes(call.index);
    return (access.items as readonly string[]).includes(call.command);
  };
  return [
    ...new Set(calls.filter((call) => !allowed(call)).map((call) => `${call.command} ${call.table}${call.index ? `/${call.index}` : ''}`)),
  ];
}

let village: VillageHarness;
let stripe: StripeHarness;
let wallet: JustWalletHarness;
let calls: ReturnType<typeof recorder>;
let walletCalls: ReturnType<typeof recorder>;
beforeAll(async () => {
  village = await villageHarness();
  stripe = await stripeHarness({}, village.tables);
  wallet = await justWalletHarness();
  calls = recorder(village.tables.db, village.tables.names);
  walletCalls = recorder(wallet.tables.db, wallet.tables.names);
  await village.recipients.put('ada@example.com', 'acct_1Ada', new Date());
});
afterAll(async () => {
  await wallet?.stop();
  await stripe?.stop();
  await village?.stop();
});

describe('the calls each function makes are all granted to it', () => {
  test('the cash-out function: a cash-out paid, delivered again, one to an unknown recipient, one whose Stripe answer is lost', async () => {
    calls.calls.length = 0;
    const paid = cashOut();
    await calls.during(async () => {
      expect((await village.send(paid)).statusCode).toBe(200);
      expect((await village.send(paid)).statusCode).toBe(200);
      expect((await village.send(cashOut({ destination_email: 'nobody@example.com' }))).statusCode).not.toBe(200);
      village.stripe.failNext({ kind: 'reset-after' }, { pathPrefix: '/v1/payouts', times: 100 });
      await village.send(cashOut(), { remainingMs: 3000 });
      village.stripe.clearFaults();
    });
    expect(calls.calls.length).toBeGreaterThan(0);
    expect(notGranted(calls.calls, route('village-cash-out').tables)).toEqual([]);
  });

  test('the Stripe events function: payouts matched by cash-out id and by payout id, a redelivery, an account update, a payment', async () => {
    calls.calls.length = 0;
    const created = Math.floor(Date.now() / 1000);
    const [byId, byPayout] = [uniqueId('co'), uniqueId('co')];
    const [payoutA, payoutB] = [uniqueId('po'), uniqueId('po')];
    await seedCashOut(stripe.ledger, {
      cashOutId: byId,
      status: 'pending',
      answerStatusCode: 200,
      stripeObjectId: payoutA,
      accountId: 'acct_1Ada',
    });
    await seedCashOut(stripe.ledger, {
      cashOutId: byPayout,
      status: 'pending',
      answerStatusCode: 200,
      stripeObjectId: payoutB,
      accountId: 'acct_1Ada',
    });
    const paid = stripeEvent('payout.paid', { id: payoutA, metadata: { cash_out_id: byId } }, { created, account: 'acct_1Ada' });
    await calls.during(async () => {
      for (const event of [
        paid,
        paid,
        stripeEvent('payout.failed', { id: payoutB, metadata: {} }, { created, account: 'acct_1Ada' }),
        stripeEvent('account.updated', { id: 'acct_1Ada', payouts_enabled: false }, { created, account: 'acct_1Ada' }),
        stripeEvent('payment_intent.succeeded'),
        stripeEvent('charge.refunded'),
      ]) {
        expect((await stripe.send(event)).statusCode).toBe(200);
      }
    });
    expect(calls.calls.some((call) => call.index === 'byStripeObjectId')).toBe(true);
    expect(notGranted(calls.calls, route('stripe-events').tables)).toEqual([]);
  });

  test('the Just Wallet function: a payout through its statuses, returned, a late and a repeated event, a funding and a quote', async () => {
    walletCalls.calls.length = 0;
    const payout = justWalletEvent('payout', { status: 'processing' });
    const status = (value: string) => ({ ...payout, data: { ...payout.data, status: value } });
    await walletCalls.during(async () => {
      for (const event of [
        payout,
        status('completed'),
        status('failed'),
        status('pending'),
        status('failed'),
        justWalletEvent('funding'),
        justWalletEvent('quote_creation.success'),
        { 'event.type': 'something_new', data: {} },
      ]) {
        expect((await wallet.send(event)).statusCode).toBe(200);
      }
    });
    expect(notGranted(walletCalls.calls, route('just-wallet').tables)).toEqual([]);
  });

  test('the reconciliation job: a cash-out whose Stripe answer was lost is settled', async () => {
    const lost = cashOut();
    village.stripe.failNext({ kind: 'reset-after' }, { pathPrefix: '/v1/payouts', times: 100 });
    expect((await village.send(lost, { remainingMs: 3000 })).statusCode).toBe(500);
    village.stripe.clearFaults();
    calls.calls.length = 0;
    const summary = await calls.during(() =>
      reconcile({
        store: new ReconcileStore(village.tables.db, village.tables.names.ledger),
        stripe: stripeMoney(stripeFromSecret(staticSecret('sk_test_permissions', 'STRIPE_SECRET_KEY'), village.stripe.url), 5000),
        clock: { now: () => Date.now() + 60_000 },
        logger: silentLogger(),
        selection: {
          minAgeMs: 0,
          staleMs: 0,
          recheckMs: 0,
          notFoundAfterMs: 86_400_000,
          lookbackMs: 86_400_000,
          unansweredMoneyMoved: 'operator',
        },
        maxItems: 50,
      }),
    );
    expect(summary.items.some((item) => item.cashOutId === lost.cash_out_id)).toBe(true);
    expect(calls.calls.some((call) => call.index === STATUS_INDEX)).toBe(true);
    expect(notGranted(calls.calls, { ledger: RECONCILE_LEDGER_ACCESS })).toEqual([]);
  });

  test('the catch-up job: the connected accounts with cash-outs, read through every shard of the index by status', async () => {
    expect((await village.send(cashOut())).statusCode).toBe(200);
    calls.calls.length = 0;
    const accounts = await calls.during(() =>
      connectedAccountsWithCashOuts(village.tables.db, village.tables.names.ledger, Math.floor(Date.now() / 1000) - 3600),
    );
    expect(accounts).toContain('acct_1Ada');
    expect(calls.calls.filter((call) => call.index === STATUS_INDEX).length).toBeGreaterThanOrEqual(STATUS_SHARDS);
    expect(notGranted(calls.calls, CATCH_UP_TABLE_ACCESS)).toEqual([]);
  });

  test('the reports job: report runs asked for and recorded, a file fetched and kept, the day closed', async () => {
    const standIn = new StripeStandIn();
    await standIn.start();
    try {
      const store = new ReportStore(village.tables.db, village.tables.names.records);
      const deps = {
        store,
        sources: async () => ['platform'],
        request: { store, stripeFor: async () => makeStripe('sk_test_grants', standIn.url), clock: systemClock, requestedBy: 'test' },
        fetch: { store, apiKeyFor: async () => 'sk_test_grants', clock: systemClock },
        close: (day: string, sourceId: string) =>
          closeOf({ db: village.tables.db, ledgerTable: village.tables.names.ledger, reports: store }, day, sourceId),
        clock: { now: () => Date.now() + 86_400_000 },
      };
      calls.calls.length = 0;
      const first = await calls.during(() => runReportsJob(deps));
      // A run's event recorded it as succeeded with its file's url (as the events route does): the next run fetches it.
      const [runId, run] = [...standIn.reports.runs.entries()][0]!;
      await store.updateRun('platform', runId, { status: 'succeeded', fileUrl: (run.result as { url: string }).url }, new Date());
      const second = await calls.during(() => runReportsJob(deps));
      expect(first.requested).toBeGreaterThan(0);
      expect(second.fetched).toBe(1);
      expect(calls.calls.some((call) => call.index === STATUS_INDEX)).toBe(true);
      expect(notGranted(calls.calls, REPORTS_TABLE_ACCESS)).toEqual([]);
    } finally {
      await standIn.stop();
    }
  });

  test('a call outside the grants is reported', () => {
    expect(
      notGranted(
        [
          { command: 'PutItem', table: 'recipients' },
          { command: 'Query', table: 'ledger' },
        ],
        route('stripe-events').tables,
      ),
    ).toEqual(['PutItem recipients', 'Query ledger']);
  });
});

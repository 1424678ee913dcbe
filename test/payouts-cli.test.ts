import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ReconciledItem } from '../functions/reconcile/decide.js';
import { runScript, tablesEnv } from './support/commands.js';
import { createTestTables, type TestTables } from './support/dynamo.js';
import { ledgerItem, putLedgerItem } from './support/ledger-items.js';

const HOUR = 3_600_000;

let tables: TestTables;

/** Runs `npm run payouts -- <args>` (the same script) against this file's tables in DynamoDB Local. */
const payouts = (...args: string[]) => runScript('bin/payouts.ts', args, tablesEnv(tables));

/** The cash-outs here are Ada Lovelace's; each says its status, answer and when it last changed. */
const item = (cashOutId: string, fields: Partial<ReconciledItem>) =>
  ledgerItem(cashOutId, { status: 'pending', destinationEmail: 'ada.lovelace@example.com', ...fields });

beforeAll(async () => {
  tables = await createTestTables();
  const now = Date.now();
  const items = [
    item('co_paid', {
      status: 'paid',
      stripeObjectId: 'po_paid',
      stripeObjectType: 'payout',
      answer: { statusCode: 200, body: {} },
      updatedAt: new Date(now - 2 * HOUR).toISOString(),
    }),
    item('co_unknown_old', {
      status: 'unknown',
      stripeRequestSentAt: new Date(now - 3 * HOUR).toISOString(),
      answer: { statusCode: 500, body: { error: 'payout_outcome_unknown' } },
      updatedAt: new Date(now - 3 * HOUR).toISOString(),
    }),
    item('co_unknown_new', {
      status: 'unknown',
      answer: { statusCode: 500, body: { error: 'payout_outcome_unknown' } },
      updatedAt: new Date(now - 10 * 60_000).toISOString(),
    }),
    item('co_stuck', {
      status: 'in_transit',
      stripeObjectId: 'po_stuck',
      stripeObjectType: 'payout',
      needsOperator: true,
      needsCompensation: true,
      operatorReason: 'payout_in_transit_cannot_be_canceled',
      answer: { statusCode: 500, body: { error: 'payout_outcome_unknown' } },
      updatedAt: new Date(now - 5 * 60_000).toISOString(),
    }),
  ];
  for (const each of items) await putLedgerItem(tables, each);
});
afterAll(() => tables.db.destroy());

describe('npm run payouts -- show', () => {
  test('answers "where is cash-out X?" for a person: status, Stripe object, what Village was told, what needs doing', async () => {
    const { code, stdout } = await payouts('show', 'co_stuck');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Cash-out co_stuck/);
    expect(stdout).toMatch(/status\s+in_transit/);
    expect(stdout).toMatch(/attention\s+NEEDS OPERATOR: payout_in_transit_cannot_be_canceled/);
    expect(stdout).toMatch(/Stripe\s+payout po_stuck/);
    expect(stdout).toMatch(/Village answered\s+500 payout_outcome_unknown/);
    expect(stdout).toMatch(/amount\s+20\.15 USD \(2015 minor units\)/);
    expect(stdout).toContain('a***@example.com → acct_1Ada');
    expect(stdout).not.toContain('ada.lovelace@example.com');
  });

  test('--json prints the ledger item as stored, for scripts', async () => {
    const { code, stdout } = await payouts('show', 'co_paid', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      cashOutId: 'co_paid',
      status: 'paid',
      stripeObjectId: 'po_paid',
      amount: '20.15',
      answer: { statusCode: 200 },
    });
  });

  test('an unknown cash-out id is an error naming the id and the table', async () => {
    const { code, stderr } = await payouts('show', 'co_nope');
    expect(code).toBe(1);
    expect(stderr).toContain(`No cash-out co_nope in ${tables.names.ledger}`);
  });
});

describe('npm run payouts -- list', () => {
  const ids = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t')[1]);

  test('--status lists that status, newest first, one line per cash-out', async () => {
    const { code, stdout } = await payouts('list', '--status', 'unknown');
    expect(code).toBe(0);
    expect(ids(stdout)).toEqual(['co_unknown_new', 'co_unknown_old']);
    expect(stdout).toContain('village 500');
  });

  test('--since keeps only cash-outs updated since then (relative or ISO)', async () => {
    expect(ids((await payouts('list', '--since', '1h')).stdout).sort()).toEqual(['co_stuck', 'co_unknown_new']);
    const iso = new Date(Date.now() - 150 * 60_000).toISOString();
    expect(ids((await payouts('list', '--status', 'paid', '--since', iso)).stdout)).toEqual(['co_paid']);
  });

  test('--attention shows only what needs a person, and --json gives the items', async () => {
    const { stdout } = await payouts('list', '--attention', '--json');
    expect((JSON.parse(stdout) as ReconciledItem[]).map((each) => each.cashOutId)).toEqual(['co_stuck']);
  });

  test('a status that does not exist is refused with the list of statuses', async () => {
    const { code, stderr } = await payouts('list', '--status', 'lost');
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown status "lost"');
    expect(stderr).toContain('statuses: processing, unknown');
  });
});

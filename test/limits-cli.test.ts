import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createTestTables, type TestTables } from './support/dynamo.js';
import { refusal, runScript } from './support/commands.js';

/** `npm run limits` against this file's own tables in the run's DynamoDB Local. */
let tables: TestTables;
const limits = (...args: string[]) =>
  runScript('bin/limits.ts', args, {
    DYNAMODB_ENDPOINT: tables.endpoint,
    LIMITS_TABLE: tables.names.limits,
    USAGE_TABLE: tables.names.usage,
    HISTORY_TABLE: tables.names.history,
    LEDGER_TABLE: tables.names.ledger,
  });
const stored = async () => (await tables.db.send(new ScanCommand({ TableName: tables.names.limits }))).Items ?? [];

beforeAll(async () => {
  tables = await createTestTables();
});
afterAll(() => tables.db.destroy());

describe('npm run limits', () => {
  test('show lists the five default currencies, with nothing used yet', async () => {
    const result = await limits('show');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('USD\t10000.00\t25000.00\t250000.00\t0.00\t250000.00\tdefault');
    expect(result.stdout.trim().split('\n')).toHaveLength(6);
  });

  test.each([
    [
      ['set', 'USD', '--per-cash-out', '5000', '--per-recipient-day', '20000', '--per-dya', '200000'],
      /^Unknown option --per-dya \(did you mean --per-day\?\)\.$/,
    ],
    [['set', 'USD', '--per-cash-out', '5000', '--per-recipient-day', '20000'], /^set needs all three limits; missing --per-day\.$/],
    [
      ['set', 'XYZ', '--per-cash-out', '5000', '--per-recipient-day', '20000', '--per-day', '200000'],
      /currency XYZ is not a currency Stripe supports/,
    ],
    [
      ['set', 'USD', '--per-cash-out', '5000', '--per-recipient-day', '2000', '--per-day', '200000'],
      /per cash-out cannot be above the limit per recipient a day/,
    ],
    [['set', 'USD', '--per-cash-out', '-5', '--per-recipient-day', '2000', '--per-day', '200000'], /./],
    [['set', 'USD', '--per-cash-out', '50.001', '--per-recipient-day', '2000', '--per-day', '200000'], /at most 2 decimal places/],
    [['frobnicate'], /^Unknown command "frobnicate"\.$/],
  ])('%j: exit 2, one line and the usage, nothing written', async (args, message) => {
    const result = await limits(...args);
    expect(refusal(result)).toEqual({ code: 2, firstLine: expect.stringMatching(message), stackTrace: false });
    expect(await stored()).toEqual([]);
  });

  test('set changes a currency, shown as set by who and when, and recorded in the history table', async () => {
    const result = await limits('set', 'usd', '--per-cash-out', '5000', '--per-recipient-day', '20000', '--per-day', '200000');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Limits for USD set by local: per cash-out 5000.00, per recipient a day 20000.00, per day 200000.00');
    const shown = await limits('show');
    expect(shown.stdout).toMatch(/USD\t5000\.00\t20000\.00\t200000\.00\t0\.00\t200000\.00\tlocal at \d{4}-/);
    const history = (await tables.db.send(new ScanCommand({ TableName: tables.names.history }))).Items ?? [];
    expect(history).toEqual([
      expect.objectContaining({
        subject: 'limits#USD',
        who: 'local',
        action: 'set_limits',
        result: expect.stringContaining('were per cash-out 10000.00'),
      }),
    ]);
  });
});

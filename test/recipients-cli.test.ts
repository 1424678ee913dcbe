import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createTestTables, type TestTables } from './support/dynamo.js';
import { refusal, runScript } from './support/commands.js';

/** `npm run recipients` against this file's own tables in the run's DynamoDB Local. */
let tables: TestTables;
const recipients = (...args: string[]) =>
  runScript('bin/recipients.ts', args, { DYNAMODB_ENDPOINT: tables.endpoint, RECIPIENTS_TABLE: tables.names.recipients });
const stored = async () => (await tables.db.send(new ScanCommand({ TableName: tables.names.recipients }))).Items ?? [];

beforeAll(async () => {
  tables = await createTestTables();
});
afterAll(() => tables.db.destroy());

describe('npm run recipients refuses what would map the wrong person', () => {
  test.each([
    [['set', 'jane.example.com', 'acct_1Jane'], /^"jane\.example\.com" is not an email address\.$/],
    [['set', 'jane@example.com', 'acct_'], /^"acct_" is not a Stripe connected account id/],
    [['set', 'jane@example.com', '1Jane'], /^"1Jane" is not a Stripe connected account id/],
    [['set', 'jane@example.com'], /^set takes an email and an acct_… id\.$/],
    [['set', 'jane@example.com', 'acct_1Jane', 'acct_2Jane'], /^set takes an email and an acct_… id\.$/],
    [['frobnicate'], /^Unknown command "frobnicate"\.$/],
    [[], /^Which command\?/],
    [['list', '--tabel', 'x'], /^Unknown option --tabel \(did you mean --table\?\)\.$/],
  ])('%j: exit 2, one line and the usage, nothing written', async (args, message) => {
    const result = await recipients(...args);
    expect(refusal(result)).toEqual({ code: 2, firstLine: expect.stringMatching(message), stackTrace: false });
    expect(result.stderr).toContain('Usage: npm run recipients -- <command>');
    expect(await stored()).toEqual([]);
  });

  test('--help prints the usage and exits 0', async () => {
    const result = await recipients('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('set <email> <acct_…>');
  });
});

describe('npm run recipients prints JSON', () => {
  test('set, get, list and delete, with the email matched as the cash-out route matches it', async () => {
    const set = await recipients('set', ' Jane@Example.com ', 'acct_1Jane');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ email: 'jane@example.com', accountId: 'acct_1Jane' });
    expect(JSON.parse((await recipients('get', 'JANE@example.com')).stdout)).toMatchObject({ accountId: 'acct_1Jane' });
    expect((JSON.parse((await recipients('list')).stdout) as { email: string }[]).map((each) => each.email)).toEqual(['jane@example.com']);
    expect(JSON.parse((await recipients('delete', 'jane@example.com')).stdout)).toEqual({ deleted: 'jane@example.com' });
    expect(await stored()).toEqual([]);
  });

  test('set over an existing mapping says what it was: the JSON names the replaced account, and stderr says it in a line', async () => {
    await recipients('set', 'grace@example.com', 'acct_1Grace');
    const again = await recipients('set', 'grace@example.com', 'acct_2Grace');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      email: 'grace@example.com',
      accountId: 'acct_2Grace',
      replaced: { accountId: 'acct_1Grace' },
    });
    expect(again.stderr).toMatch(
      /^Replaced: grace@example\.com was mapped to acct_1Grace \(since \d{4}-.*\); cash-outs now pay acct_2Grace\.$/m,
    );
    const same = await recipients('set', 'grace@example.com', 'acct_2Grace');
    expect(same.stderr).toContain('Unchanged: grace@example.com was already mapped to acct_2Grace.');
    await recipients('delete', 'grace@example.com');
  });

  test('an unknown recipient is a failure: exit 1 and one line', async () => {
    expect(refusal(await recipients('get', 'nobody@example.com'))).toEqual({
      code: 1,
      firstLine: `No recipient nobody@example.com in ${tables.names.recipients}.`,
      stackTrace: false,
    });
  });
});

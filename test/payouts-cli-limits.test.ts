import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runScript, tablesEnv } from './support/commands.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

let h: VillageHarness;
let refusedId: string;

/** Runs `npm run payouts -- <args>` (the same script) against the Village harness's tables in DynamoDB Local. */
const payouts = (...args: string[]) => runScript('bin/payouts.ts', args, tablesEnv(h.tables));

beforeAll(async () => {
  h = await villageHarness();
  const email = `limits_cli_${Date.now()}@example.com`;
  await h.recipients.put(email, `acct_1LimitsCli${Date.now()}`, new Date());
  // Above the default 10,000.00 USD per cash-out: refused by Village's own request, and kept.
  const request = cashOut({ amount: '10000.01', currency: 'USD', destination_email: email });
  refusedId = String(request.cash_out_id);
  const response = await h.send(request);
  expect(response.statusCode).toBe(422);
});
afterAll(() => h.stop());

describe('npm run payouts shows a cash-out refused by a limit', () => {
  test('list --attention flags it limit-exceeded with the limit it went over', async () => {
    const { code, stdout } = await payouts('list', '--attention');
    expect(code).toBe(0);
    const line = stdout.split('\n').find((each) => each.includes(refusedId));
    expect(line).toContain('rejected');
    expect(line).toContain('limit-exceeded:per_cash_out');
  });

  test('show says which limit refused it and how much of that limit was left', async () => {
    const { code, stdout } = await payouts('show', refusedId);
    expect(code).toBe(0);
    expect(stdout).toMatch(/status\s+rejected/);
    expect(stdout).toMatch(/limit\s+refused by per cash out: 10000\.00 of 10000\.00 USD was left/);
  });
});

import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { rehearsalUnavailable } from '../dev/rehearse/rehearse.js';
import { runScript } from './support/commands.js';

/**
 * `npm run rehearse` as a person runs it: the stack synthesized, and the bundles cdk deploy
 * would upload run on this Node against the run's DynamoDB Local, moto and the Stripe stand-in.
 */

const run = (env: Record<string, string | undefined>, timeoutMs: number) =>
  runScript('bin/rehearse.ts', [], env, { timeoutMs, maxBuffer: 16 * 1024 * 1024 });

const unavailable = rehearsalUnavailable();
if (unavailable) console.log(`Rehearsal skipped: ${unavailable}`);

describe('npm run rehearse', () => {
  (unavailable ? test.skip : test)(
    'every synthesized bundle does on Node 24 what the handlers do under npm start',
    async () => {
      const result = await run({ DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT }, 480_000);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Rehearsal of the synthesized bundles on Node ${process.version}`);
      expect(result.stdout).toMatch(/6 functions: village-cash-out, just-wallet, stripe-events, reconcile, catch-up, reports/);
      for (const check of [
        /^ok {3}village-cash-out: a signed cash-out is paid: 200, rh_\S+ 12\.34 USD paid by Stripe payout po_\w+$/m,
        /^ok {3}village-cash-out: a bad signature is refused: 401$/m,
        /^ok {3}stripe-events: payout\.paid is applied: 200 applied, ledger rh_\S+: paid$/m,
        /^ok {3}stripe-events: a bad signature is refused: 400 signature_mismatch$/m,
        /^ok {3}stripe-events: a merchant source's event is applied: 200 applied/m,
        /^ok {3}just-wallet: a payout event is applied: 200 applied$/m,
        /^ok {3}just-wallet: a bad signature is refused: 401$/m,
        /^ok {3}reconcile: the schedule's run ends without error/m,
        /^ok {3}catch-up: the schedule's run ends without error/m,
        /^ok {3}reports: the schedule's run ends without error/m,
      ]) {
        expect(result.stdout).toMatch(check);
      }
      expect(result.stdout.trim().split('\n').at(-1)).toBe('All 10 checks passed.');
    },
    500_000,
  );

  test('without moto_server on PATH: skipped with a one-line notice, exit 0', async () => {
    const withoutMoto = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((dir) => !/pyenv|\.local\/bin|python/i.test(dir))
      .join(path.delimiter);
    const result = await run({ PATH: withoutMoto }, 60_000);
    if (!result.stdout.startsWith('Skipped:')) {
      // moto_server is somewhere else on this machine's PATH too: nothing to check here.
      expect(result.stdout).not.toBe('');
      return;
    }
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(
      'Skipped: moto_server is not installed (pip install "moto[server]"): the bundles were not rehearsed.',
    );
  }, 60_000);

  test('a mistyped option is refused with the usage (exit 2), nothing synthesized', async () => {
    const result = await runScript('bin/rehearse.ts', ['--fast']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('Unknown option --fast.');
  }, 60_000);
});

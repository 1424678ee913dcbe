import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cashOutSubject } from '../functions/shared/history.js';
import { eventSubject } from '../operator/replay.js';
import { eventKey } from '../functions/stripe-events/event-store.js';
import { runScript, tablesEnv } from './support/commands.js';
import { putLedgerItem, unknownLedgerItem } from './support/ledger-items.js';
import { consoleHarness, type ConsoleHarness } from './support/console.js';
import { stripeEvent } from './support/stripe-events.js';

let h: ConsoleHarness;

/** Runs an operator command (the npm script's own file) against this file's tables, as `local`. */
const run = (script: string, ...args: string[]) =>
  runScript(`bin/${script}.ts`, args, { ...tablesEnv(h.tables), STRIPE_API_BASE: h.standIn.url });

let ignoredEvent: string;

beforeAll(async () => {
  h = await consoleHarness();
  // Created 26 hours ago, its payout request sent a day ago with no answer kept: reconciliation has a decision to make.
  const unanswered = (cashOutId: string) =>
    unknownLedgerItem(cashOutId, 25 * 3_600_000, {
      createdAt: new Date(Date.now() - 26 * 3_600_000).toISOString(),
      updatedAt: new Date(Date.now() - 60_000).toISOString(),
    });
  await putLedgerItem(h.tables, unanswered('co_cli'));
  await putLedgerItem(h.tables, unanswered('co_cli_rec'));
  const event = stripeEvent('customer.created');
  ignoredEvent = event.id;
  await h.stripe.send(event);
});
afterAll(() => h.stop());

describe('the operator commands', () => {
  test('npm run payouts -- ack records the acknowledgement as local, with the note', async () => {
    const { code, stdout } = await run('payouts', 'ack', 'co_cli', '--note', 'Stripe support ticket 123');
    expect(code).toBe(0);
    expect(stdout).toContain('Acknowledged cash-out co_cli (unknown) as local');
    expect(await h.deps.history.list(cashOutSubject('co_cli'))).toEqual([
      expect.objectContaining({ who: 'local', action: 'acknowledge', note: 'Stripe support ticket 123' }),
    ]);
  });

  test('npm run payouts -- ack without a note, or with a mistyped option, is refused with the usage (exit 2)', async () => {
    const noNote = await run('payouts', 'ack', 'co_cli');
    expect(noNote.code).toBe(2);
    expect(noNote.stderr).toContain('ack needs --note');
    expect((await run('payouts', 'ack', 'co_cli', '--notes', 'x')).code).toBe(2);
  });

  test('npm run replay -- <event id> replays one event and prints its result; --dry-run in bulk writes nothing', async () => {
    const before = await h.snapshot();
    const dry = await run('replay', '--since', '1h', '--provider', 'stripe', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run: nothing is written.');
    expect(dry.stdout).toContain(`stripe:${ignoredEvent}\tcustomer.created\tignored (would change nothing)`);
    expect(await h.snapshot()).toEqual(before);

    const one = await run('replay', ignoredEvent, '--note', 'checking');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`stripe:${ignoredEvent}\tcustomer.created\tignored (changed nothing)`);
    expect(await h.deps.history.list(eventSubject(eventKey(ignoredEvent)))).toEqual([
      expect.objectContaining({ who: 'local', note: 'checking', outcome: 'ignored' }),
    ]);
  });

  test('npm run replay refuses a bulk replay without --since, an unknown outcome, or an unknown option (exit 2)', async () => {
    expect((await run('replay', '--type', 'payout.paid')).stderr).toContain('needs --since');
    expect((await run('replay', '--since', '1h', '--outcome', 'aplied')).code).toBe(2);
    expect((await run('replay', '--since', '1h', '--provder', 'stripe')).code).toBe(2);
  });

  test('npm run reconcile -- --cash-out prints the decision first; --dry-run stops there', async () => {
    const before = await h.snapshot();
    const dry = await run('reconcile', '--cash-out', 'co_cli_rec', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Decision: would record unknown → rejected (no_payout_found)');
    expect(dry.stdout).toContain('Dry run: nothing was done.');
    expect(await h.snapshot()).toEqual(before);

    const done = await run('reconcile', '--cash-out', 'co_cli_rec', '--note', 'no payout at Stripe');
    expect(done.code).toBe(0);
    expect(done.stdout.indexOf('Decision:')).toBeLessThan(done.stdout.indexOf('Done as local'));
    expect(await h.deps.cashOuts.get('co_cli_rec')).toMatchObject({ status: 'rejected', reason: 'no_payout_found' });
  });
});

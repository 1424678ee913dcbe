import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { replayEvent } from '../operator/replay.js';
import { consoleHarness, type ConsoleHarness } from './support/console.js';
import { justWalletEvent } from './support/just-wallet.js';
import { deliverJustWallet, unappliedJustWalletPayout } from './support/operator.js';

/**
 * The dry run of a Just Wallet replay ("what would change", shown before every replay in the
 * console and by `npm run replay -- --dry-run`): the record's first write is the low-level
 * UpdateItemCommand (functions/shared/dynamodb.ts updateItem), which the dry-run client
 * (operator/dry-run.ts) checks as a condition on the same item and never writes.
 */
let h: ConsoleHarness;
beforeAll(async () => {
  h = await consoleHarness();
});
afterAll(() => h.stop());

describe('a dry run of a Just Wallet replay', () => {
  test('of an event kept in its record says it would change nothing (a duplicate), not an error', async () => {
    const { eventKey } = await deliverJustWallet(h.tables, justWalletEvent('payout', { status: 'processing' }));
    const preview = await replayEvent(eventKey, h.deps.replay, { dryRun: true });
    console.log(JSON.stringify(preview));
    expect(preview).toMatchObject({ outcome: 'duplicate', changed: false });
  });

  test('of an event stored but never applied says it would apply it, and writes nothing', async () => {
    const body = justWalletEvent('payout', { status: 'processing' });
    // Stored by the delivery's first write; it stopped before the record.
    const key = await unappliedJustWalletPayout(h.tables, body);
    const before = await h.snapshot();
    const preview = await replayEvent(key, h.deps.replay, { dryRun: true });
    console.log(JSON.stringify(preview));
    expect(await h.snapshot()).toEqual(before);
    expect(preview).toMatchObject({ outcome: 'applied', changed: true });
  });
});

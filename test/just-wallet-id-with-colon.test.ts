import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { recordOfEventKey } from '../functions/just-wallet/inbox.js';
import { replayEvent } from '../operator/replay.js';
import { consoleHarness, type ConsoleHarness } from './support/console.js';
import { justWalletEvent } from './support/just-wallet.js';
import { deliverJustWallet } from './support/operator.js';

/**
 * A Just Wallet id may contain `:` (the route accepts any id of 1-200 characters without
 * control characters). Its event key, `just-wallet:payout:<id>:<status>`, is read with the
 * type from a known set, the status as the last segment and the id as everything between,
 * so the console's search, its event page and `npm run replay -- <key>` find the record.
 */
let h: ConsoleHarness;
beforeAll(async () => {
  h = await consoleHarness();
});
afterAll(() => h.stop());

describe('a Just Wallet event whose payout id contains a colon', () => {
  test('is found by its key, and can be replayed', async () => {
    const id = `batch-7:${Date.now()}`;
    const { eventKey, outcome } = await deliverJustWallet(h.tables, justWalletEvent('payout', { id, status: 'completed' }));
    expect(outcome).toBe('applied');
    expect(await h.deps.records.get(id, 'just_wallet_payout')).toBeDefined();

    const found = await h.deps.events.get(eventKey);
    const replay = await replayEvent(eventKey, h.deps.replay, { dryRun: false }).then(
      (r) => r,
      (error: Error & { statusCode?: number }) => ({ error: error.message, statusCode: error.statusCode }),
    );
    console.log(JSON.stringify({ eventKey, found: found ? found.eventKey : null, replay }));
    expect(found?.eventKey).toBe(eventKey);
  });
});

describe('the record an event key names', () => {
  test('keeps every colon of the id, for each kind of Just Wallet event', () => {
    expect(recordOfEventKey('just-wallet:payout:a:b:c:completed')).toEqual({ id: 'a:b:c', kind: 'just_wallet_payout' });
    expect(recordOfEventKey('just-wallet:collection:x:1:pending')).toEqual({ id: 'x:1', kind: 'just_wallet_funding' });
    expect(recordOfEventKey('just-wallet:quote_creation.success:q:9')).toEqual({ id: 'q:9', kind: 'just_wallet_quote' });
  });

  test('names no record for an unknown type, or a lifecycle key without its status', () => {
    expect(recordOfEventKey('just-wallet:refund:r1:done')).toBeUndefined();
    expect(recordOfEventKey('just-wallet:quote_other:q1')).toBeUndefined();
    expect(recordOfEventKey('just-wallet:payout:p1')).toBeUndefined();
    expect(recordOfEventKey('stripe:evt_1')).toBeUndefined();
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { justWalletEvent, justWalletHarness, type JustWalletHarness } from './support/just-wallet.js';

/**
 * A Just Wallet record keeps every event in one DynamoDB item: large bodies must not push it past
 * the item size limit.
 */
let wallet: JustWalletHarness;

beforeAll(async () => {
  wallet = await justWalletHarness();
});
afterAll(async () => {
  await wallet?.stop();
});

describe('a Just Wallet record keeping its events', () => {
  test("never grows past DynamoDB's 400 KB item limit: large bodies (within the 256 KB a delivery may carry) still apply every status", async () => {
    // Incompressible extra data (a provider's metadata, say): each body packs to about its own size.
    const padding = () => randomBytes(90 * 1024).toString('base64');
    const first = justWalletEvent('payout', { status: 'pending' });
    const id = first.data.id as string;
    const statuses = ['pending', 'initiated', 'processing', 'completed', 'failed'];
    for (const status of statuses) {
      const event = { ...justWalletEvent('payout', { id, status }), extra: padding() };
      const response = await wallet.send(event);
      expect({ status, statusCode: response.statusCode }).toEqual({ status, statusCode: 200 });
      expect(response.body).toMatchObject({ outcome: 'applied' });
      // Every event is still found, body and all, byte for byte.
      expect(await wallet.event(`just-wallet:payout:${id}:${status}`)).toMatchObject({ payload: JSON.stringify(event) });
    }
    const record = await wallet.record('just_wallet_payout', id);
    expect(record).toMatchObject({ status: 'failed', returnedAfterCompletion: true });
    expect(record?.history.map((entry) => entry.status)).toEqual(statuses);
  });
});

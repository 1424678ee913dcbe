/**
 * The limits are a rolling 24 hours: an amount counts from the hour it was taken until that
 * hour has left the window, and a give-back returns only what still counts. The clock is the
 * test's own; DynamoDB Local holds the usage table.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LimitUsage, type ReserveRequest } from '../functions/shared/usage.js';
import { createTestTables, type TestTables } from './support/dynamo.js';

const HOUR = 3_600_000;
/**
 * An hour boundary, so each step of a test lands in the hour it names; in the future, as the
 * usage table's items expire 3 days after their last use and DynamoDB Local deletes expired
 * items within seconds (a clock set in the past loses its counters mid-test).
 */
const H0 = Date.UTC(2031, 0, 6, 0, 0, 0);

describe('the rolling 24-hour limits', () => {
  let tables: TestTables;
  let now = H0;
  const clock = { now: () => now };
  let usage: LimitUsage;
  let n = 0;
  beforeAll(async () => {
    tables = await createTestTables();
    usage = new LimitUsage(tables.db, tables.names.usage, clock);
  });
  afterAll(() => tables.db.destroy());

  /** A cash-out of `amountMinor` to `accountId`, against 10,000 a recipient and 1,000,000 the platform per day. */
  const request = (accountId: string, amountMinor: number, limits: Partial<ReserveRequest> = {}): ReserveRequest => ({
    cashOutId: `co_window_${(n += 1)}_${Math.random().toString(36).slice(2)}`,
    accountId,
    currency: 'SEK',
    amountMinor,
    perRecipientDay: 10_000,
    perDay: 1_000_000,
    ...limits,
  });
  /** Its deadline on the test's clock: the time is frozen while it runs. */
  const reserve = (r: ReserveRequest) => usage.reserve(r, now + 10_000);
  const at = (hours: number, minutes = 0) => (now = H0 + hours * HOUR + minutes * 60_000);

  test('an amount counts for 24 hours: refused 23 hours later, taken once its hour has left the window', async () => {
    const account = 'acct_window_a';
    at(0, 10);
    expect(await reserve(request(account, 6_000))).toMatchObject({ reserved: true });
    at(23, 50);
    expect(await reserve(request(account, 5_000))).toEqual({ reserved: false, limit: 'per_recipient_day', leftMinor: 4_000 });
    expect(await reserve(request(account, 4_000))).toMatchObject({ reserved: true });
    at(24, 5);
    // Hour 0's 6,000 has left the window; hour 23's 4,000 still counts.
    expect(await reserve(request(account, 6_001))).toEqual({ reserved: false, limit: 'per_recipient_day', leftMinor: 6_000 });
    expect(await reserve(request(account, 6_000))).toMatchObject({ reserved: true });
    expect(await reserve(request(account, 1))).toEqual({ reserved: false, limit: 'per_recipient_day', leftMinor: 0 });
  });

  test('a give-back after its hour has left the window returns nothing, so it frees no room taken since', async () => {
    const account = 'acct_window_b';
    at(100, 0);
    const old = request(account, 7_000);
    expect(await reserve(old)).toMatchObject({ reserved: true });
    at(110, 0);
    expect(await reserve(request(account, 3_000))).toMatchObject({ reserved: true });
    at(124, 30);
    // Hour 100 has left the window: the 7,000 no longer counts, and its give-back must not take 7,000 off hour 110's 3,000.
    expect(await usage.release(old.cashOutId)).toBe('released');
    expect(await usage.release(old.cashOutId)).toBe('already');
    expect(await reserve(request(account, 7_001))).toEqual({ reserved: false, limit: 'per_recipient_day', leftMinor: 7_000 });
    expect(await reserve(request(account, 7_000))).toMatchObject({ reserved: true });
  });

  test('a give-back inside the window returns the amount to the recipient and to the platform, once', async () => {
    const account = 'acct_window_c';
    const platform = { perDay: 8_000 };
    at(200, 0);
    // A currency of its own, so the platform's counter is this test's alone.
    const first = request(account, 8_000, { ...platform, currency: 'NOK' });
    expect(await reserve(first)).toMatchObject({ reserved: true });
    expect(await reserve(request('acct_window_d', 1, { ...platform, currency: 'NOK' }))).toEqual({
      reserved: false,
      limit: 'per_day',
      leftMinor: 0,
    });
    at(203, 0);
    expect(await Promise.all([usage.release(first.cashOutId), usage.release(first.cashOutId)])).toEqual(
      expect.arrayContaining(['released', 'already']),
    );
    expect(await reserve(request('acct_window_d', 8_000, { ...platform, currency: 'NOK' }))).toMatchObject({ reserved: true });
    expect(await reserve(request(account, 1, { ...platform, currency: 'NOK' }))).toEqual({
      reserved: false,
      limit: 'per_day',
      leftMinor: 0,
    });
  });

  test('a cash-out taken again (a retry or a takeover) takes nothing more; once given back it cannot be taken again', async () => {
    const account = 'acct_window_e';
    at(300, 0);
    const once = request(account, 9_000);
    expect(await reserve(once)).toMatchObject({ reserved: true, earlier: false });
    expect(await reserve(once)).toMatchObject({ reserved: true, earlier: true });
    expect(await reserve(request(account, 1_001))).toEqual({ reserved: false, limit: 'per_recipient_day', leftMinor: 1_000 });
    expect(await usage.release(once.cashOutId)).toBe('released');
    await expect(reserve(once)).rejects.toThrow(/given back already/);
  });
});

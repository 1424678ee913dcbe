/**
 * The retry of the write that records a delivery's answer, when an earlier try landed and its
 * answer was lost: it must count as written exactly when the stored answer is still this
 * delivery's (its own, or a duplicate's adoption of its own 200), and as fenced out otherwise,
 * so the delivery never answers 200 beside a refusal, nor 500 beside a repeated 200.
 * LedgerStore is called directly, each call as the route makes it. DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LedgerStore, type StoredAnswer } from '../functions/shared/ledger.js';
import { createTestTables, type TestTables } from './support/dynamo.js';
import { newLedgerItem } from './support/ledger-items.js';

const T0 = Date.UTC(2031, 0, 6, 12, 0, 0);
const at = (ms: number) => new Date(T0 + ms);
const paid: StoredAnswer = { statusCode: 200, body: { status: 'pending' } };
const failed: StoredAnswer = { statusCode: 500, body: { error: 'payout_outcome_unknown' } };
const refused: StoredAnswer = { statusCode: 409, body: { error: 'cash_out_in_flight' } };

describe("the retry of a delivery's answer write", () => {
  let tables: TestTables;
  let ledger: LedgerStore;
  let n = 0;
  beforeAll(async () => {
    tables = await createTestTables();
    ledger = new LedgerStore(tables.db, tables.names.ledger);
  });
  afterAll(() => tables.db.destroy());

  /** A cash-out claimed by delivery `first`, its lease running. */
  async function claimed(): Promise<string> {
    const cashOutId = `co_retry_${(n += 1)}_${Math.random().toString(36).slice(2)}`;
    await ledger.claim(newLedgerItem(cashOutId, { attemptId: 'first', leaseExpiresAt: T0 + 60_000, createdAt: at(0).toISOString() }));
    return cashOutId;
  }
  const outcome = { status: 'pending' as const, stripeObjectId: 'po_retry' };

  test('its own answer, landed by the earlier try, counts as written', async () => {
    const cashOutId = await claimed();
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(100))).toBe(true);
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(100))).toBe(true);
  });

  test('its 200, adopted by a duplicate since the earlier try landed, counts as written: the 200 stands', async () => {
    const cashOutId = await claimed();
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(100))).toBe(true);
    expect(await ledger.adoptAnswer(cashOutId, 'first', 'duplicate', at(150))).toBe(true);
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(100))).toBe(true);
    expect(await ledger.get(cashOutId)).toMatchObject({ answer: paid, answerState: 'adopted', attemptId: 'duplicate' });
  });

  test('its 200, adopted and then replaced by a duplicate’s refusal, is fenced out: the refusal stands', async () => {
    const cashOutId = await claimed();
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(100))).toBe(true);
    expect(await ledger.adoptAnswer(cashOutId, 'first', 'duplicate', at(150))).toBe(true);
    expect(await ledger.refuseDuplicate(cashOutId, refused, at(200))).toBe(true);
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(100))).toBe(false);
    expect(await ledger.get(cashOutId)).toMatchObject({ answer: refused, answerState: 'refused_duplicate', needsCompensation: true });
  });

  test('a refusal recorded before its write landed fences it out', async () => {
    const cashOutId = await claimed();
    expect(await ledger.refuseDuplicate(cashOutId, refused, at(50))).toBe(true);
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(100))).toBe(false);
  });

  test('an adopted 200 is not taken for another write of the same delivery at another time, nor for its non-200', async () => {
    const cashOutId = await claimed();
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(100))).toBe(true);
    expect(await ledger.adoptAnswer(cashOutId, 'first', 'duplicate', at(150))).toBe(true);
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(101))).toBe(false);
    expect(await ledger.answer(cashOutId, 'first', failed, { status: 'unknown' }, at(100))).toBe(false);
  });

  test('after a withdrawal of its late 200, the holder can neither record an answer nor withdraw again at another time', async () => {
    const cashOutId = await claimed();
    const late: StoredAnswer = { statusCode: 500, body: { error: 'answered_after_deadline' } };
    expect(await ledger.withdrawLate(cashOutId, 'first', late, outcome, at(3000))).toBe(true);
    expect(await ledger.withdrawLate(cashOutId, 'first', late, outcome, at(3000))).toBe(true);
    expect(await ledger.answer(cashOutId, 'first', paid, outcome, at(100))).toBe(false);
    expect(await ledger.withdrawLate(cashOutId, 'first', late, outcome, at(3500))).toBe(false);
    expect(await ledger.adoptAnswer(cashOutId, 'first', 'duplicate', at(3600))).toBe(false);
    expect(await ledger.get(cashOutId)).toMatchObject({
      answer: late,
      answerState: 'withdrawn',
      needsCompensation: true,
      status: 'pending',
    });
  });
});

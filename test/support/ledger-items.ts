import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OperatorCashOut } from '../../operator/attention.js';
import type { NewLedgerItem } from '../../functions/shared/ledger-item.js';
import { statusFields } from '../../functions/shared/status-index.js';
import type { TestTables } from './dynamo.js';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A cash-out as a delivery's claim writes it (`LedgerStore.claim`), for a test that claims one
 * directly: USD 20.15 to be paid out to ada@example.com, created ten minutes ago, its lease run
 * out. `fields` say what the test's claim has otherwise.
 */
export function newLedgerItem(cashOutId: string, fields: Partial<NewLedgerItem> = {}): NewLedgerItem {
  return {
    cashOutId,
    mode: 'payout',
    destinationEmail: 'ada@example.com',
    amount: '20.15',
    currency: 'USD',
    amountMinor: 2015,
    fingerprint: 'f',
    stripeIdempotencyKey: `village-cash-out:${cashOutId}`,
    attemptId: 'a',
    leaseExpiresAt: 0,
    createdAt: iso(Date.now() - 10 * MINUTE),
    payload: '{}',
    ...fields,
  };
}

/**
 * A cash-out as the ledger holds it, for a test that seeds one directly: the claim above paid
 * out to Ada's account (acct_1Ada), in transit, updated five minutes ago, answered 200.
 * `fields` say what the test's cash-out has otherwise.
 */
export function ledgerItem(cashOutId: string, fields: Partial<OperatorCashOut> = {}): OperatorCashOut {
  return {
    ...newLedgerItem(cashOutId),
    status: 'in_transit',
    attempts: 1,
    updatedAt: iso(Date.now() - 5 * MINUTE),
    accountId: 'acct_1Ada',
    answer: { statusCode: 200, body: { cashOutId } },
    ...fields,
  };
}

/** Writes a cash-out into the ledger with its status's shard, as every ledger writer does (the index by status is sharded). */
export async function putLedgerItem(tables: TestTables, item: OperatorCashOut): Promise<void> {
  await tables.db.send(new PutCommand({ TableName: tables.names.ledger, Item: { ...item, ...statusFields(item.cashOutId, item.status) } }));
}

/**
 * A cash-out whose payout request went to Stripe `sentAgoMs` ago and whose answer never came:
 * Village heard 500 `payout_outcome_unknown`, and reconciliation must find out what Stripe did.
 */
export function unknownLedgerItem(cashOutId: string, sentAgoMs: number, fields: Partial<OperatorCashOut> = {}): OperatorCashOut {
  return ledgerItem(cashOutId, {
    status: 'unknown',
    answer: { statusCode: 500, body: { error: 'payout_outcome_unknown' } },
    stripeRequestSentAt: iso(Date.now() - sentAgoMs),
    ...fields,
  });
}

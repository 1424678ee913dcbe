import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OperatorCashOut } from '../../operator/attention.js';
import { statusFields } from '../../functions/shared/status-index.js';
import type { TestTables } from './dynamo.js';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A cash-out as the ledger holds it, for a test that seeds one directly: USD 20.15 paid out to
 * Ada's account (acct_1Ada), in transit, created ten minutes ago, answered 200. `fields` say
 * what the test's cash-out has otherwise.
 */
export function ledgerItem(cashOutId: string, fields: Partial<OperatorCashOut> = {}): OperatorCashOut {
  const now = Date.now();
  return {
    cashOutId,
    status: 'in_transit',
    mode: 'payout',
    destinationEmail: 'ada@example.com',
    amount: '20.15',
    currency: 'USD',
    amountMinor: 2015,
    fingerprint: 'f',
    stripeIdempotencyKey: `village-cash-out:${cashOutId}`,
    attemptId: 'a',
    attempts: 1,
    leaseExpiresAt: 0,
    createdAt: iso(now - 10 * MINUTE),
    updatedAt: iso(now - 5 * MINUTE),
    payload: '{}',
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

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TERMINAL_LEDGER_STATUSES, type LedgerStatus } from '../shared/ledger.js';
import { itemsByStatus } from '../shared/status-index.js';

/** Statuses a payout can still move from: Stripe may yet send events about them, however old. */
const OPEN: readonly LedgerStatus[] = ['processing', 'unknown', 'pending', 'in_transit'];

/** A settled payout may still change within days (a paid payout can fail): settled cash-outs updated this long before the window count too. */
export const SETTLED_MARGIN_SECONDS = 7 * 86_400;

/**
 * The connected accounts whose payout-mode cash-outs may have Stripe events in the window:
 * those with a cash-out still open, and those with one updated since the window began (less
 * a margin). Through the ledger's index by status (itemsByStatus), no scan. (Transfers are the platform's own
 * events, listed without `Stripe-Account`.)
 */
export async function connectedAccountsWithCashOuts(
  db: DynamoDBDocumentClient,
  ledgerTable: string,
  sinceSeconds: number,
): Promise<string[]> {
  const updatedSince = new Date((sinceSeconds - SETTLED_MARGIN_SECONDS) * 1000).toISOString();
  const accounts = new Set<string>();
  for (const status of [...OPEN, ...TERMINAL_LEDGER_STATUSES]) {
    const open = OPEN.includes(status);
    const items = itemsByStatus<{ accountId: string; updatedAt: string }>(db, {
      tableName: ledgerTable,
      status,
      ...(open ? {} : { after: updatedSince }),
      filter: '#mode = :payout AND attribute_exists(accountId)',
      names: { '#mode': 'mode' },
      values: { ':payout': 'payout' },
    });
    for await (const item of items) accounts.add(item.accountId);
  }
  return [...accounts].sort();
}

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LEDGER_STATUSES, type LedgerItem } from '../shared/ledger.js';
import { itemsByStatus } from '../shared/status-index.js';
import { dayStart, DAY_SECONDS } from '../reports/days.js';
import type { ReportStore } from '../reports/report-store.js';
import { closeDay, EDGE_SECONDS, type CloseOutcome } from './close.js';

/** Every ledger status: a cash-out's movement is on Stripe's books whatever became of it since. */
const STATUSES = LEDGER_STATUSES;

export interface CloseReads {
  db: DynamoDBDocumentClient;
  ledgerTable: string;
  reports: ReportStore;
}

/**
 * The cash-outs with a Stripe object created from `from` to `to` (Unix seconds), through the
 * ledger's index by status and update time (an item is updated at or after it is created), no scan.
 */
export async function cashOutsCreated(deps: CloseReads, from: number, to: number): Promise<LedgerItem[]> {
  const after = new Date(from * 1000).toISOString();
  const before = new Date(to * 1000).toISOString();
  const items: LedgerItem[] = [];
  for (const status of STATUSES) {
    for await (const item of itemsByStatus<LedgerItem>(deps.db, {
      tableName: deps.ledgerTable,
      status,
      after,
      filter: 'attribute_exists(stripeObjectId) AND createdAt < :before',
      values: { ':before': before },
    })) {
      if (item.createdAt >= after) items.push(item);
    }
  }
  return items;
}

/** One day's close for one source, from the kept reports and the ledger. */
export async function closeOf(deps: CloseReads, day: string, sourceId: string): Promise<CloseOutcome> {
  const start = dayStart(day);
  const runs = await deps.reports.runsOfDay(sourceId, day);
  const ledger = await cashOutsCreated(deps, start - EDGE_SECONDS, start + DAY_SECONDS + EDGE_SECONDS);
  return closeDay(day, sourceId, { runs, ledger, rows: (run) => deps.reports.rows(run.sourceId, run.runId) });
}

/** Several days' close for one source, the ledger read once for all of them (the console's last 30 days). */
export async function closeOfDays(deps: CloseReads, days: string[], sourceId: string): Promise<CloseOutcome[]> {
  if (days.length === 0) return [];
  const starts = days.map(dayStart);
  const ledger = await cashOutsCreated(deps, Math.min(...starts) - EDGE_SECONDS, Math.max(...starts) + DAY_SECONDS + EDGE_SECONDS);
  return Promise.all(
    days.map(async (day) =>
      closeDay(day, sourceId, {
        runs: await deps.reports.runsOfDay(sourceId, day),
        ledger,
        rows: (run) => deps.reports.rows(run.sourceId, run.runId),
      }),
    ),
  );
}

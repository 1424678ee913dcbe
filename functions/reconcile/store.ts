import { LEDGER_STATUSES, LedgerReconciliation, type LedgerFields } from '../shared/ledger.js';
import { itemsByStatus, type StatusQuery } from '../shared/status-index.js';
import type { ReconciledItem, ReconciledStatus, ReconcileSettings } from './decide.js';

/**
 * How many items of one group a run reads at most, to choose the least recently looked at:
 * the whole group in any real case (a group this large means an outage; the rest wait).
 */
const MAX_GROUP_READ = 5000;

/** Every status a ledger item can have, for listing without a scan (the commands and the console name it so). */
export const ALL_STATUSES = LEDGER_STATUSES;

/** The fields reconciliation writes; `undefined` leaves a field alone, `null` removes it. */
export type ReconcileFields = LedgerFields;

export interface Selection extends ReconcileSettings {
  /** How far back to look for items answered non-200 whose money moved anyway. */
  lookbackMs: number;
}

export interface ListOptions {
  status?: ReconciledStatus;
  /** ISO timestamp: only items updated at or after it. */
  since?: string;
  limit?: number;
}

/**
 * The ledger as reconciliation and the operator view see it: selection through the index by
 * status (itemsByStatus: no scans); its writes are the ledger's reconciliation transitions
 * (LedgerReconciliation), which only land on the state that was read.
 */
export class ReconcileStore extends LedgerReconciliation {
  /**
   * The items to reconcile, in four groups, each oldest first:
   * 1. compensations: within the lookback, open or paid items Village was not answered 200 for
   *    (the Stripe events route marks them `needsCompensation`): first, as a pending payout can
   *    be canceled only until it leaves `pending`;
   * 2. every `unknown`;
   * 3. `processing` claims whose lease ran out and that are older than the minimum age;
   * 4. `pending`/`in_transit` answered 200 and older than the stale age (not rechecked too often).
   * The budget is shared out in turns, one item per group, so that no group starves another.
   * An item looked at recently (`reconciledAt`; see `markChecked`) waits its turn behind the
   * others of its group, so items Stripe shows nothing for yet cannot fill every run.
   */
  async candidates(now: number, selection: Selection, limit: number): Promise<ReconciledItem[]> {
    const iso = (ms: number) => new Date(ms).toISOString();
    const notWithOperator = 'attribute_not_exists(needsOperator)';
    const groups: StatusQuery[][] = [
      (['pending', 'in_transit', 'paid'] as const).map((status) =>
        this.byStatus(status, {
          after: iso(now - selection.lookbackMs),
          filter: `(needsCompensation = :true OR (attribute_exists(answer) AND answer.statusCode <> :ok)) AND ${notWithOperator}`,
          values: { ':true': true, ':ok': 200 },
        }),
      ),
      [this.byStatus('unknown', { filter: notWithOperator })],
      [
        this.byStatus('processing', {
          before: iso(now - selection.minAgeMs),
          filter: `leaseExpiresAt < :now AND ${notWithOperator}`,
          values: { ':now': now },
        }),
      ],
      (['pending', 'in_transit'] as const).map((status) =>
        this.byStatus(status, {
          before: iso(now - selection.staleMs),
          filter: `(attribute_not_exists(reconciledAt) OR reconciledAt <= :recheck) AND ${notWithOperator}`,
          values: { ':recheck': iso(now - selection.recheckMs) },
        }),
      ),
    ];
    const queues: ReconciledItem[][] = [];
    for (const queries of groups) {
      const found: ReconciledItem[] = [];
      for (const query of queries) {
        for await (const item of itemsByStatus<ReconciledItem>(this.db, query)) {
          found.push(item);
          if (found.length >= MAX_GROUP_READ) break;
        }
      }
      // Never looked at first, then the longest ago; oldest update first among equals.
      found.sort((a, b) => (a.reconciledAt ?? '').localeCompare(b.reconciledAt ?? '') || a.updatedAt.localeCompare(b.updatedAt));
      queues.push(found);
    }
    const chosen = new Map<string, ReconciledItem>();
    while (chosen.size < limit && queues.some((queue) => queue.length > 0)) {
      for (const queue of queues) {
        let next = queue.shift();
        while (next && chosen.has(next.cashOutId)) next = queue.shift();
        if (next) chosen.set(next.cashOutId, next);
        if (chosen.size >= limit) break;
      }
    }
    return [...chosen.values()];
  }

  /** For the operator view: by status (or every status), newest first. */
  async list({ status, since, limit = 50 }: ListOptions = {}): Promise<ReconciledItem[]> {
    const items: ReconciledItem[] = [];
    for (const each of status ? [status] : LEDGER_STATUSES) {
      let count = 0;
      for await (const item of itemsByStatus<ReconciledItem>(this.db, { ...this.byStatus(each, { after: since }), newestFirst: true })) {
        items.push(item);
        if ((count += 1) >= limit) break;
      }
    }
    return items.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
  }

  private byStatus(
    status: ReconciledStatus,
    range: { before?: string; after?: string; filter?: string; values?: Record<string, unknown> },
  ): StatusQuery {
    return { tableName: this.tableName, status, ...range };
  }
}

import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ReconciledStatus } from '../functions/reconcile/decide.js';
import { ALL_STATUSES } from '../functions/reconcile/store.js';
import { LedgerStore, type TransactUpdate } from '../functions/shared/ledger.js';
import { normaliseEmail } from '../functions/shared/recipients.js';
import { statusShardQueries } from '../functions/shared/status-index.js';
import { attentionReasons, openReasons, type Acknowledgement, type OperatorCashOut } from './attention.js';
import { newestFirst, readNewestFirst, timeRange, type Page } from './paging.js';

export interface CashOutFilter {
  status?: ReconciledStatus;
  /** ISO times: cash-outs received (created) in this range. */
  from?: string;
  to?: string;
  /** The recipient's email, any case. */
  recipient?: string;
}

export interface HourlyCounts {
  /** The start of each hour (ISO, UTC), oldest first. */
  hours: string[];
  /** Per status that occurs, the cash-outs received in each hour that now have it. */
  byStatus: Partial<Record<ReconciledStatus, number[]>>;
}

export interface AttentionQueue {
  /** Items with a reason no acknowledgement covers, newest change first. */
  open: OperatorCashOut[];
  acknowledged: OperatorCashOut[];
  /** Flags on items unchanged for longer than this are not looked for (see attention()). */
  windowStart: string;
}

const HOUR = 3_600_000;
/** Statuses on which reconciliation or the Stripe events route can raise a flag. */
const FLAGGED_STATUSES: readonly ReconciledStatus[] = ['pending', 'in_transit', 'paid', 'failed', 'canceled', 'reversed'];

/**
 * The ledger as the console reads it, through the index by status (`byStatusShard`: every
 * shard of a status, merged): no scans. Lists are ordered by last change, newest first.
 */
export class CashOutReads {
  private readonly store: LedgerStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.store = new LedgerStore(db, tableName);
  }

  async get(cashOutId: string): Promise<OperatorCashOut | undefined> {
    return (await this.store.get(cashOutId)) as OperatorCashOut | undefined;
  }

  /** Every status partition, filtered; `from` also bounds the index key (updatedAt ≥ createdAt ≥ from). */
  list(filter: CashOutFilter, page: { limit: number; cursor?: string }): Promise<Page<OperatorCashOut>> {
    const filters: string[] = [];
    const values: Record<string, unknown> = {};
    if (filter.from) {
      filters.push('createdAt >= :createdFrom');
      values[':createdFrom'] = filter.from;
    }
    if (filter.to) {
      filters.push('createdAt <= :createdTo');
      values[':createdTo'] = filter.to;
    }
    if (filter.recipient) {
      filters.push('destinationEmail = :email');
      values[':email'] = normaliseEmail(filter.recipient);
    }
    return newestFirst<OperatorCashOut>(
      this.db,
      (upTo) =>
        (filter.status ? [filter.status] : ALL_STATUSES).flatMap((status) => {
          if (filter.from && upTo && upTo < filter.from) return [];
          return this.byStatus(status, timeRange('updatedAt', filter.from, upTo), filters.join(' AND ') || undefined, values);
        }),
      { at: (item) => item.updatedAt, key: (item) => item.cashOutId },
      page,
    );
  }

  /** How many cash-outs last changed since `since`, by their status now. */
  async countsByStatus(since: string): Promise<Record<ReconciledStatus, number>> {
    const counts = {} as Record<ReconciledStatus, number>;
    for (const status of ALL_STATUSES) {
      let count = 0;
      for (const query of this.byStatus(status, timeRange('updatedAt', since, undefined))) {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.db.send(new QueryCommand({ ...query, Select: 'COUNT', ExclusiveStartKey: start }));
          count += page.Count ?? 0;
          start = page.LastEvaluatedKey;
        } while (start);
      }
      counts[status] = count;
    }
    return counts;
  }

  /** Cash-outs received in each of the last `hours` hours, by their status now. */
  async perHour(nowMs: number, hours = 24): Promise<HourlyCounts> {
    const first = Math.floor(nowMs / HOUR) * HOUR - (hours - 1) * HOUR;
    const since = new Date(first).toISOString();
    const starts = Array.from({ length: hours }, (_, index) => new Date(first + index * HOUR).toISOString());
    const byStatus: HourlyCounts['byStatus'] = {};
    for (const status of ALL_STATUSES) {
      for (const shard of this.byStatus(status, timeRange('updatedAt', since, undefined), 'createdAt >= :createdFrom', {
        ':createdFrom': since,
      })) {
        for await (const item of readNewestFirst<{ createdAt: string }>(this.db, { ...shard, ProjectionExpression: 'createdAt' })) {
          const slot = Math.floor((Date.parse(item.createdAt) - first) / HOUR);
          if (slot < 0 || slot >= hours) continue;
          (byStatus[status] ??= new Array<number>(hours).fill(0))[slot]! += 1;
        }
      }
    }
    return { hours: starts, byStatus };
  }

  /**
   * What needs a person: every `unknown` and every `processing` past its lease (few, and looked
   * for without a time limit), and the flagged items (needs an operator or compensation, failed
   * after a 200) among those changed since `windowStart`: the flags are set with a change, and
   * the index is by last change, so older flags would need a read of the whole ledger.
   */
  async attention(nowMs: number, windowMs: number): Promise<AttentionQueue> {
    const windowStart = new Date(nowMs - windowMs).toISOString();
    const queries: QueryCommandInput[] = [
      ...this.byStatus('unknown', {}),
      ...this.byStatus('processing', {}, 'leaseExpiresAt < :now', { ':now': nowMs }),
      // Refused by a limit: which limit and what it had left are on the item.
      ...this.byStatus('rejected', timeRange('updatedAt', windowStart, undefined), 'attribute_exists(limitRefusal)'),
      ...FLAGGED_STATUSES.flatMap((status) =>
        this.byStatus(
          status,
          timeRange('updatedAt', windowStart, undefined),
          'needsOperator = :true OR needsCompensation = :true OR failedAfterPaid = :true',
          { ':true': true },
        ),
      ),
    ];
    const found = new Map<string, OperatorCashOut>();
    for (const query of queries) {
      for await (const item of readNewestFirst<OperatorCashOut>(this.db, query)) found.set(item.cashOutId, item);
    }
    const items = [...found.values()]
      .filter((item) => attentionReasons(item, nowMs).length > 0)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    return {
      open: items.filter((item) => openReasons(item, nowMs).length > 0),
      acknowledged: items.filter((item) => openReasons(item, nowMs).length === 0),
      windowStart,
    };
  }

  /** The ledger's half of an acknowledgement's transaction (see LedgerTable.acknowledgement). */
  acknowledgement(cashOutId: string, acknowledgement: Acknowledgement, seen: string): TransactUpdate {
    return this.store.acknowledgement(cashOutId, acknowledgement, seen);
  }

  /** The cash-out a Stripe payout or transfer belongs to, for links from its events. */
  cashOutIdOf(stripeObjectId: string): Promise<string | undefined> {
    return this.store.cashOutIdOf(stripeObjectId);
  }

  /** One query per shard of the index by status (status-index.ts). */
  private byStatus(
    status: ReconciledStatus,
    range: { expression?: string; values?: Record<string, string> },
    filter?: string,
    filterValues: Record<string, unknown> = {},
  ): QueryCommandInput[] {
    return statusShardQueries(this.tableName, status, range, filter ? { expression: filter, values: filterValues } : undefined);
  }
}

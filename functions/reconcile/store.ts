import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../shared/dynamodb.js';
import type { StoredAnswer } from '../shared/ledger.js';
import { itemsByStatus, statusFields, type StatusQuery } from '../shared/status-index.js';
import type { ReconciledItem, ReconciledStatus, ReconcileSettings } from './decide.js';

/**
 * How many items of one group a run reads at most, to choose the least recently looked at:
 * the whole group in any real case (a group this large means an outage; the rest wait).
 */
const MAX_GROUP_READ = 5000;

/** Every status a ledger item can have, for listing without a scan. */
export const ALL_STATUSES: readonly ReconciledStatus[] = [
  'processing',
  'unknown',
  'pending',
  'in_transit',
  'paid',
  'failed',
  'canceled',
  'rejected',
  'reversed',
];

/** The fields reconciliation writes; `undefined` leaves a field alone, `null` removes it. */
export type ReconcileFields = { [K in keyof ReconciledItem]?: ReconciledItem[K] | null };

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
 * status (itemsByStatus: no scans), and conditional writes that only land on the state that was read.
 */
export class ReconcileStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(cashOutId: string): Promise<ReconciledItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { cashOutId }, ConsistentRead: true }));
    return result.Item as ReconciledItem | undefined;
  }

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

  /** Notes that the item was looked at and left as it is (nothing at Stripe yet), so the next runs take others first. */
  async markChecked(seen: ReconciledItem, now: Date): Promise<boolean> {
    return this.resolve(seen, {}, now, { touch: false });
  }

  /** For the operator view: by status (or every status), newest first. */
  async list({ status, since, limit = 50 }: ListOptions = {}): Promise<ReconciledItem[]> {
    const items: ReconciledItem[] = [];
    for (const each of status ? [status] : ALL_STATUSES) {
      let count = 0;
      for await (const item of itemsByStatus<ReconciledItem>(this.db, { ...this.byStatus(each, { after: since }), newestFirst: true })) {
        items.push(item);
        if ((count += 1) >= limit) break;
      }
    }
    return items.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
  }

  /**
   * Writes `fields` only if the item is still exactly as `seen` (status, updatedAt, attemptId,
   * last Stripe event) and no invocation holds it: never over a newer state, never under a
   * running cash-out. A Village answer is stored only where none was.
   */
  async resolve(
    seen: ReconciledItem,
    fields: ReconcileFields,
    now: Date,
    options: { touch?: boolean } = { touch: true },
  ): Promise<boolean> {
    const guard = this.unchangedSince(seen, now);
    return this.write(
      seen.cashOutId,
      { ...fields, ...(options.touch === false ? {} : { updatedAt: now.toISOString() }), reconciledAt: now.toISOString() },
      guard,
    );
  }

  /**
   * Takes the item for a compensation: from here on the Village handler cannot take it over
   * (it has an answer and another attemptId), and another reconciliation run waits for the lease.
   */
  async claim(seen: ReconciledItem, attemptId: string, leaseExpiresAt: number, answer: StoredAnswer, now: Date): Promise<boolean> {
    const guard = this.unchangedSince(seen, now);
    return this.write(
      seen.cashOutId,
      {
        attemptId,
        leaseExpiresAt,
        updatedAt: now.toISOString(),
        ...(seen.answer ? {} : { answer, answeredAt: now.toISOString(), answerState: 'reconciled' as const }),
      },
      guard,
    );
  }

  /** Records the outcome of a compensation, fenced by the claim's attemptId; the status may only be the one claimed from or the one being written. */
  async finish(
    seen: ReconciledItem,
    attemptId: string,
    fields: ReconcileFields & { status: ReconciledStatus },
    now: Date,
  ): Promise<boolean> {
    return this.write(
      seen.cashOutId,
      { ...fields, leaseExpiresAt: now.getTime(), updatedAt: now.toISOString(), reconciledAt: now.toISOString() },
      {
        expression: 'attemptId = :g_attempt AND #g_status IN (:g_from, :g_to)',
        names: { '#g_status': 'status' },
        values: { ':g_attempt': attemptId, ':g_from': seen.status, ':g_to': fields.status },
      },
    );
  }

  private unchangedSince(seen: ReconciledItem, now: Date): Guard {
    const values: Record<string, unknown> = {
      ':g_status': seen.status,
      ':g_updated': seen.updatedAt,
      ':g_attempt': seen.attemptId,
      ':g_now': now.getTime(),
    };
    const parts = ['#g_status = :g_status', 'updatedAt = :g_updated', 'attemptId = :g_attempt', 'leaseExpiresAt < :g_now'];
    if (seen.lastEventCreated === undefined) parts.push('attribute_not_exists(lastEventCreated)');
    else {
      parts.push('lastEventCreated = :g_event');
      values[':g_event'] = seen.lastEventCreated;
    }
    if (!seen.answer) parts.push('attribute_not_exists(answer)');
    return { expression: parts.join(' AND '), names: { '#g_status': 'status' }, values };
  }

  private async write(cashOutId: string, fields: ReconcileFields, guard: Guard): Promise<boolean> {
    const entries = Object.entries({ ...fields, ...(fields.status ? statusFields(cashOutId, fields.status) : {}) }).filter(
      ([, value]) => value !== undefined,
    );
    const names: Record<string, string> = { ...guard.names };
    const values: Record<string, unknown> = { ...guard.values };
    const sets: string[] = [];
    const removes: string[] = [];
    entries.forEach(([key, value], index) => {
      names[`#f${index}`] = key;
      if (value === null) removes.push(`#f${index}`);
      else {
        values[`:f${index}`] = value;
        sets.push(`#f${index} = :f${index}`);
      }
    });
    const update = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { cashOutId },
          UpdateExpression: update,
          ConditionExpression: `attribute_exists(cashOutId) AND ${guard.expression}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  private byStatus(
    status: ReconciledStatus,
    range: { before?: string; after?: string; filter?: string; values?: Record<string, unknown> },
  ): StatusQuery {
    return { tableName: this.tableName, status, ...range };
  }
}

interface Guard {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

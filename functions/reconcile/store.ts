import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../shared/dynamodb.js';
import type { StoredAnswer } from '../shared/ledger.js';
import type { ReconciledItem, ReconciledStatus, ReconcileSettings } from './decide.js';

/** Every status a ledger item can have, for listing without a scan. */
export const ALL_STATUSES: readonly ReconciledStatus[] = ['processing', 'unknown', 'pending', 'in_transit', 'paid', 'failed', 'canceled', 'rejected', 'reversed'];

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
 * The ledger as reconciliation and the operator view see it: selection through the byStatus
 * index (no scans), and conditional writes that only land on the state that was read.
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
   * The items to reconcile, oldest first: every `unknown`; `processing` claims whose lease ran
   * out and that are older than the minimum age; `pending`/`in_transit` older than the stale
   * age (not rechecked too often); and, within the lookback, open or paid items that Village
   * was not answered 200 for (the Stripe events route marks them `needsCompensation`).
   */
  async candidates(now: number, selection: Selection, limit: number): Promise<ReconciledItem[]> {
    const iso = (ms: number) => new Date(ms).toISOString();
    const notWithOperator = 'attribute_not_exists(needsOperator)';
    const queries: QueryCommandInput[] = [
      this.byStatus('unknown', { filter: notWithOperator }),
      this.byStatus('processing', { before: iso(now - selection.minAgeMs), filter: `leaseExpiresAt < :now AND ${notWithOperator}`, values: { ':now': now } }),
      ...(['pending', 'in_transit'] as const).map((status) =>
        this.byStatus(status, {
          before: iso(now - selection.staleMs),
          filter: `(attribute_not_exists(reconciledAt) OR reconciledAt <= :recheck) AND ${notWithOperator}`,
          values: { ':recheck': iso(now - selection.recheckMs) },
        }),
      ),
      ...(['pending', 'in_transit', 'paid'] as const).map((status) =>
        this.byStatus(status, {
          after: iso(now - selection.lookbackMs),
          filter: `(needsCompensation = :true OR (attribute_exists(answer) AND answer.statusCode <> :ok)) AND ${notWithOperator}`,
          values: { ':true': true, ':ok': 200 },
        }),
      ),
    ];
    const found = new Map<string, ReconciledItem>();
    for (const query of queries) {
      for await (const item of this.query(query)) {
        found.set(item.cashOutId, item);
        if (found.size >= limit) return [...found.values()];
      }
    }
    return [...found.values()];
  }

  /** For the operator view: by status (or every status), newest first. */
  async list({ status, since, limit = 50 }: ListOptions = {}): Promise<ReconciledItem[]> {
    const items: ReconciledItem[] = [];
    for (const each of status ? [status] : ALL_STATUSES) {
      let count = 0;
      for await (const item of this.query({ ...this.byStatus(each, { after: since }), ScanIndexForward: false })) {
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
  async resolve(seen: ReconciledItem, fields: ReconcileFields, now: Date, options: { touch?: boolean } = { touch: true }): Promise<boolean> {
    const guard = this.unchangedSince(seen, now);
    return this.write(seen.cashOutId, { ...fields, ...(options.touch === false ? {} : { updatedAt: now.toISOString() }), reconciledAt: now.toISOString() }, guard);
  }

  /**
   * Takes the item for a compensation: from here on the Village handler cannot take it over
   * (it has an answer and another attemptId), and another reconciliation run waits for the lease.
   */
  async claim(seen: ReconciledItem, attemptId: string, leaseExpiresAt: number, answer: StoredAnswer, now: Date): Promise<boolean> {
    const guard = this.unchangedSince(seen, now);
    return this.write(seen.cashOutId, { attemptId, leaseExpiresAt, updatedAt: now.toISOString(), ...(seen.answer ? {} : { answer, answeredAt: now.toISOString() }) }, guard);
  }

  /** Records the outcome of a compensation, fenced by the claim's attemptId; the status may only be the one claimed from or the one being written. */
  async finish(seen: ReconciledItem, attemptId: string, fields: ReconcileFields & { status: ReconciledStatus }, now: Date): Promise<boolean> {
    return this.write(
      seen.cashOutId,
      { ...fields, leaseExpiresAt: now.getTime(), updatedAt: now.toISOString(), reconciledAt: now.toISOString() },
      { expression: 'attemptId = :g_attempt AND #g_status IN (:g_from, :g_to)', names: { '#g_status': 'status' }, values: { ':g_attempt': attemptId, ':g_from': seen.status, ':g_to': fields.status } },
    );
  }

  private unchangedSince(seen: ReconciledItem, now: Date): Guard {
    const values: Record<string, unknown> = { ':g_status': seen.status, ':g_updated': seen.updatedAt, ':g_attempt': seen.attemptId, ':g_now': now.getTime() };
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
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
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
    const update = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
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

  private byStatus(status: ReconciledStatus, range: { before?: string; after?: string; filter?: string; values?: Record<string, unknown> }): QueryCommandInput {
    const key = ['#status = :status'];
    const values: Record<string, unknown> = { ':status': status, ...range.values };
    if (range.before) {
      key.push('updatedAt <= :before');
      values[':before'] = range.before;
    } else if (range.after) {
      key.push('updatedAt >= :after');
      values[':after'] = range.after;
    }
    return {
      TableName: this.tableName,
      IndexName: 'byStatus',
      KeyConditionExpression: key.join(' AND '),
      FilterExpression: range.filter,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    };
  }

  private async *query(input: QueryCommandInput): AsyncGenerator<ReconciledItem> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      yield* (page.Items ?? []) as ReconciledItem[];
      start = page.LastEvaluatedKey;
    } while (start);
  }
}

interface Guard {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

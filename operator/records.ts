import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getMany } from '../functions/shared/dynamodb.js';
import { recordsByKind, recordShardQueries } from './indexes.js';
import { readableEvent, type StoredEntry } from '../functions/stripe-events/record-entries.js';
import type { RecordKind, StripeRecord } from '../functions/stripe-events/record-entries.js';
import { newestFirst, timeRange, type Page } from './paging.js';

/** Every kind of record the Stripe and Just Wallet routes keep, in the order the console offers them. */
export const RECORD_KINDS = [
  'transaction',
  'refund',
  'dispute',
  'early_fraud_warning',
  'just_wallet_payout',
  'just_wallet_funding',
  'just_wallet_quote',
  'payout',
  'transfer',
  'checkout_session',
  'file',
  'report_run',
  'report_type',
] as const;
export type RecordKindName = (typeof RECORD_KINDS)[number];

/** A record as stored; its fields depend on its kind and provider. */
export type RecordItem = { id: string; kind: string; status: string } & Record<string, unknown>;

/**
 * The records table as the console reads it: one kind at a time through every shard of the
 * `byKindShard` index (the index's listing fields, newest change first), or one record by id and kind.
 */
export class RecordReads {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(id: string, kind: string): Promise<RecordItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { id, kind }, ConsistentRead: true }));
    return result.Item as RecordItem | undefined;
  }

  list(filter: { kind: RecordKindName; status?: string }, page: { limit: number; cursor?: string }): Promise<Page<RecordItem>> {
    const status = filter.status
      ? { expression: '#status = :status', names: { '#status': 'status' }, values: { ':status': filter.status } }
      : undefined;
    return newestFirst<RecordItem>(
      this.db,
      (upTo) =>
        recordShardQueries({
          tableName: this.tableName,
          value: filter.kind,
          range: timeRange('updatedAt', undefined, upTo),
          filter: status,
        }),
      { at: (item) => String(item.updatedAt), key: (item) => item.id },
      page,
    );
  }
}

/**
 * A record for a person to read: a Stripe record's history entries name their events (id,
 * type, `created`, read from each body: a stored entry keeps only what its body does not say),
 * without the packed bodies, which each event's own page shows.
 */
export function readableRecord(record: RecordItem): RecordItem {
  if (record.provider !== 'stripe' || !Array.isArray(record.history)) return record;
  const sourceId = typeof record.sourceId === 'string' ? record.sourceId : undefined;
  const history = (record.history as StoredEntry[]).map((entry) => {
    const event = readableEvent(entry, sourceId);
    if (!event) return { status: entry.status, receivedAt: entry.receivedAt, body: `${entry.body.length} bytes that cannot be read` };
    return {
      eventKey: event.eventKey,
      type: event.type,
      created: event.created,
      status: event.status,
      receivedAt: event.receivedAt,
      outcome: event.statusChanged ? 'applied' : 'stale',
      bodyBytes: entry.body.length,
    };
  });
  return { ...record, history };
}

/**
 * One source's Stripe records of one kind in the given statuses, newest first: every shard of
 * the kind on the `byKindShard` index (recordsByKind), filtered by source and status, from
 * `since` when given; then the records themselves.
 */
export async function sourceRecords(
  db: DynamoDBDocumentClient,
  where: { tableName: string; sourceId: string; kind: RecordKind; statuses: readonly string[] },
  { since, limit = 50 }: { since?: string; limit?: number } = {},
): Promise<StripeRecord[]> {
  const wanted = Object.fromEntries(where.statuses.map((status, index) => [`:status${index}`, status]));
  const listed = recordsByKind<{ id: string; kind: string; updatedAt: string }>(db, {
    tableName: where.tableName,
    value: where.kind,
    range: since ? { expression: 'updatedAt >= :since', values: { ':since': since } } : undefined,
    filter: {
      expression: `sourceId = :source AND #status IN (${Object.keys(wanted).join(', ')})`,
      names: { '#status': 'status' },
      values: { ':source': where.sourceId, ...wanted },
    },
  });
  const keys: { id: string; kind: string }[] = [];
  for await (const item of listed) {
    keys.push({ id: item.id, kind: item.kind });
    if (keys.length >= limit) break;
  }
  return (await getMany<StripeRecord>(db, where.tableName, keys)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

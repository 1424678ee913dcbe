import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getMany, isConditionalCheckFailed } from '../shared/dynamodb.js';
import { kindShard, recordsByKind } from '../shared/record-index.js';
import { orderingCondition, type Lifecycle } from './lifecycles.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';

/** Kinds of record the Stripe route keeps in the records table (partition key `id`, sort key `kind`). */
export type RecordKind = 'transaction' | 'refund' | 'dispute' | 'early_fraud_warning' | 'checkout_session' | 'payout' | 'transfer' | 'file' | 'report_run' | 'report_type';

export type RecordFields = Record<string, string | number | boolean | undefined>;

export interface StripeRecord {
  /** The Stripe id; for a merchant source's record, `<sourceId>/<Stripe id>`. */
  id: string;
  kind: RecordKind;
  status: string;
  provider: 'stripe';
  /** Which source's events keep it. */
  sourceId: string;
  /** The Stripe object's own id. */
  stripeId: string;
  lastEventCreated: number;
  lastEventId: string;
  lastEventType: string;
  firstSeenAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

export interface RecordChange<S extends string> {
  id: string;
  kind: RecordKind;
  status: S;
  lifecycle: Lifecycle<S>;
  event: { id: string; type: string; created: number };
  fields: RecordFields;
  /** A further condition the record must meet for this change (ANDed with the ordering). */
  guard?: { expression: string; names?: Record<string, string>; values: Record<string, unknown> };
}

export type RecordResult = { applied: true; previous?: StripeRecord } | { applied: false; current?: StripeRecord };

/** Key attributes and the ordering attributes are never taken from an event's fields. */
const RESERVED = new Set(['id', 'kind', 'status', 'provider', 'sourceId', 'stripeId', 'lastEventCreated', 'lastEventId', 'lastEventType', 'firstSeenAt', 'updatedAt', 'kindShard']);

/**
 * One source's records. The platform's are keyed by the Stripe id itself; a merchant source's
 * by `<sourceId>/<Stripe id>`, so one merchant's records never mix with another's or the
 * platform's, even for the same Stripe object.
 */
export class StripeRecordStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    readonly sourceId: string = PLATFORM_SOURCE_ID,
  ) {}

  /** The same table, as another source's records. */
  forSource(sourceId: string): StripeRecordStore {
    return sourceId === this.sourceId ? this : new StripeRecordStore(this.db, this.tableName, sourceId);
  }

  /** The record of a Stripe object, by its Stripe id. */
  async get(stripeId: string, kind: RecordKind): Promise<StripeRecord | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { id: recordId(stripeId, this.sourceId), kind }, ConsistentRead: true }));
    return result.Item as StripeRecord | undefined;
  }

  /**
   * This source's records of one kind in the given statuses, newest first: every shard of the
   * kind on the `byKindShard` index (recordsByKind), filtered by source and status, from
   * `since` when given; then the records themselves.
   */
  async list(kind: RecordKind, statuses: readonly string[], { since, limit = 50 }: { since?: string; limit?: number } = {}): Promise<StripeRecord[]> {
    const wanted = Object.fromEntries(statuses.map((status, index) => [`:status${index}`, status]));
    const listed = recordsByKind<{ id: string; kind: string; updatedAt: string }>(this.db, {
      tableName: this.tableName,
      value: kind,
      range: since ? { expression: 'updatedAt >= :since', values: { ':since': since } } : undefined,
      filter: { expression: `sourceId = :source AND #status IN (${Object.keys(wanted).join(', ')})`, names: { '#status': 'status' }, values: { ':source': this.sourceId, ...wanted } },
    });
    const keys: { id: string; kind: string }[] = [];
    for await (const item of listed) {
      keys.push({ id: item.id, kind: item.kind });
      if (keys.length >= limit) break;
    }
    return (await getMany<StripeRecord>(this.db, this.tableName, keys)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /**
   * Creates the record, or moves it to the event's state if the event is not older than the
   * last one applied and the lifecycle allows the move: one conditional update, so concurrent
   * and out-of-order deliveries cannot interleave a read and a write.
   */
  async apply<S extends string>(change: RecordChange<S>, now: Date): Promise<RecordResult> {
    const ordering = orderingCondition(change.lifecycle, change.status, change.event.created);
    const fields = Object.entries(change.fields).filter(([key, value]) => value !== undefined && !RESERVED.has(key));
    const names: Record<string, string> = { ...ordering.names, ...change.guard?.names };
    const values: Record<string, unknown> = {
      ...ordering.values,
      ...change.guard?.values,
      ':status': change.status,
      ':eventId': change.event.id,
      ':eventType': change.event.type,
      ':now': now.toISOString(),
      ':provider': 'stripe',
      ':source': this.sourceId,
      ':stripeId': change.id,
      ':kindShard': kindShard(change.kind, recordId(change.id, this.sourceId)),
    };
    const sets = ['#status = :status', 'provider = :provider', 'sourceId = :source', 'stripeId = :stripeId', 'lastEventCreated = :created', 'lastEventId = :eventId', 'lastEventType = :eventType', 'updatedAt = :now', 'firstSeenAt = if_not_exists(firstSeenAt, :now)', 'kindShard = :kindShard'];
    fields.forEach(([key, value], index) => {
      names[`#f${index}`] = key;
      values[`:f${index}`] = value;
      sets.push(`#f${index} = :f${index}`);
    });
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: recordId(change.id, this.sourceId), kind: change.kind },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: change.guard
            ? `attribute_not_exists(id) OR ((${ordering.expression}) AND (${change.guard.expression}))`
            : `attribute_not_exists(id) OR (${ordering.expression})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { applied: true, previous: result.Attributes as StripeRecord | undefined };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Read only to report what the newer state is; nothing is written from it.
      return { applied: false, current: await this.get(change.id, change.kind) };
    }
  }
}

export const recordId = (stripeId: string, sourceId: string = PLATFORM_SOURCE_ID) => (sourceId === PLATFORM_SOURCE_ID ? stripeId : `${sourceId}/${stripeId}`);

import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../shared/dynamodb.js';
import { orderingCondition, type Lifecycle } from './lifecycles.js';

/** Kinds of record the Stripe route keeps in the records table (partition key `id`, sort key `kind`). */
export type RecordKind = 'transaction' | 'refund' | 'dispute' | 'early_fraud_warning' | 'checkout_session' | 'payout' | 'transfer' | 'file' | 'report_run' | 'report_type';

export type RecordFields = Record<string, string | number | boolean | undefined>;

export interface StripeRecord {
  id: string;
  kind: RecordKind;
  status: string;
  provider: 'stripe';
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
const RESERVED = new Set(['id', 'kind', 'status', 'provider', 'lastEventCreated', 'lastEventId', 'lastEventType', 'firstSeenAt', 'updatedAt']);

export class StripeRecordStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(id: string, kind: RecordKind): Promise<StripeRecord | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { id, kind }, ConsistentRead: true }));
    return result.Item as StripeRecord | undefined;
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
    };
    const sets = ['#status = :status', 'provider = :provider', 'lastEventCreated = :created', 'lastEventId = :eventId', 'lastEventType = :eventType', 'updatedAt = :now', 'firstSeenAt = if_not_exists(firstSeenAt, :now)'];
    fields.forEach(([key, value], index) => {
      names[`#f${index}`] = key;
      values[`:f${index}`] = value;
      sets.push(`#f${index} = :f${index}`);
    });
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: change.id, kind: change.kind },
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

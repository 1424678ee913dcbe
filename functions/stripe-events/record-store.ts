import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, oldItemOf, updateItem, fieldUpdate } from '../shared/dynamodb.js';
import { kindShard } from '../shared/record-index.js';
import type { Lifecycle } from '../shared/record-model.js';
import { orderingCondition } from '../shared/record-model.js';
import {
  entryOf,
  isLate,
  RECORD_BODY_ROOM,
  RecordFull,
  stampEntry,
  stampWrite,
  recordId,
  type EventStamp,
  type RecordWithEvents,
  type RecordFields,
  type RecordKind,
  type StripeRecord,
} from './record-entries.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';

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

/**
 * `applied`: created, or moved to the event's state. Not applied: the event is older than the
 * record's state, or a move back from it (a late event), or — for a stamped store — this very
 * event was written before (`duplicate`, with what it did then).
 */
export type RecordResult =
  | { applied: true; previous?: StripeRecord }
  | { applied: false; current?: StripeRecord; duplicate?: undefined }
  | { applied: false; current: StripeRecord; duplicate: true; firstOutcome: 'applied' | 'stale' };

/** Key attributes and the ordering attributes are never taken from an event's fields. */
const RESERVED = new Set([
  'id',
  'kind',
  'status',
  'provider',
  'sourceId',
  'stripeId',
  'lastEventCreated',
  'firstSeenAt',
  'updatedAt',
  'kindShard',
  'history',
  'eventKeys',
  'bodyBytes',
]);

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
    /** The event every write of this store records (see `stamped`). */
    readonly stamp?: EventStamp,
  ) {}

  /** The same table, as another source's records (and no event's: a stamp's key is its source's). */
  forSource(sourceId: string): StripeRecordStore {
    return sourceId === this.sourceId ? this : new StripeRecordStore(this.db, this.tableName, sourceId);
  }

  /**
   * The same records, each write of which also records `stamp`, in the one conditional update
   * that applies it: the record deduplicates (its `eventKeys`) and orders (its ordering guard)
   * the event itself, and keeps its raw body, so a new event is one DynamoDB write.
   */
  stamped(stamp: EventStamp): StripeRecordStore {
    return new StripeRecordStore(this.db, this.tableName, this.sourceId, stamp);
  }

  /** The record of a Stripe object, by its Stripe id. */
  async get(stripeId: string, kind: RecordKind): Promise<StripeRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { id: recordId(stripeId, this.sourceId), kind }, ConsistentRead: true }),
    );
    return result.Item as StripeRecord | undefined;
  }

  /** A record by its table key (any source's: the key says whose). */
  async at(key: { id: string; kind: string }): Promise<StripeRecord | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return result.Item as StripeRecord | undefined;
  }

  /** The keys of the events a record keeps (a cheap read: eventually consistent, that attribute only). */
  async eventKeysAt(key: { id: string; kind: string }): Promise<Set<string>> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ProjectionExpression: 'eventKeys' }));
    return (result.Item?.eventKeys as Set<string> | undefined) ?? new Set();
  }

  /**
   * Creates the record, or moves it to the event's state if the event is not older than the
   * last one applied and the lifecycle allows the move: one conditional update, so concurrent
   * and out-of-order deliveries cannot interleave a read and a write. A stamped store records
   * its event in that same update (see applyStamped).
   */
  async apply<S extends string>(change: RecordChange<S>, now: Date): Promise<RecordResult> {
    const state = this.stateUpdate(change, now);
    if (this.stamp) return this.applyStamped(change, state, this.stamp);
    try {
      const result = await this.db.send(
        new UpdateCommand({
          ...state.key,
          UpdateExpression: `SET ${state.sets.join(', ')}`,
          ConditionExpression: state.condition,
          ExpressionAttributeNames: state.names,
          ExpressionAttributeValues: state.values,
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: true, previous: result.Attributes as StripeRecord | undefined };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // What the newer state is, from the refusal itself; nothing is written from it.
      return { applied: false, current: oldItemOf<StripeRecord>(error) };
    }
  }

  /**
   * The change and its event in one conditional update: the event's key must not be in the
   * record yet, and the record must have room for another body (RECORD_BODY_ROOM). Refused,
   * the record as it was tells why: the key is there (a duplicate: answered from this one
   * call); no room (RecordFull: the caller claims the event in the events table instead); else
   * the event is late, and a second update records it without taking its state — the rare path.
   */
  private async applyStamped<S extends string>(change: RecordChange<S>, state: StateUpdate, stamp: EventStamp): Promise<RecordResult> {
    const write = stampWrite(stamp);
    try {
      const previous = await updateItem(this.db, {
        ...state.key,
        UpdateExpression: `SET ${[...state.sets, write.append].join(', ')} ${write.add}`,
        ConditionExpression: `${write.unseen} AND (${state.condition})`,
        ExpressionAttributeNames: state.names,
        ExpressionAttributeValues: { ...state.values, ...write.values, ':entry': [stampEntry(stamp, change.status, false)] },
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { applied: true, previous: previous as StripeRecord | undefined };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const before = oldItemOf<RecordWithEvents>(error);
      return refusal(before, stamp) ?? this.recordLate(change, state, stamp, before);
    }
  }

  /** A late event (older than the record's state, or a move back from it): recorded, the state kept. */
  private async recordLate<S extends string>(
    change: RecordChange<S>,
    state: StateUpdate,
    stamp: EventStamp,
    before: RecordWithEvents | undefined,
  ): Promise<RecordResult> {
    const write = stampWrite(stamp);
    try {
      await this.db.send(
        new UpdateCommand({
          ...state.key,
          UpdateExpression: `SET ${write.append}, updatedAt = :now, kindShard = :kindShard ${write.add}`,
          ConditionExpression: `attribute_exists(id) AND ${write.unseen}`,
          ExpressionAttributeValues: {
            ...write.values,
            ':entry': [stampEntry(stamp, change.status, true)],
            ':now': state.values[':now'],
            ':kindShard': state.values[':kindShard'],
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: false, current: before };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const refused = refusal(oldItemOf<RecordWithEvents>(error), stamp);
      if (refused) return refused;
      throw new Error(`Record ${change.kind} ${change.id} refused a late event for no reason it shows`, { cause: error });
    }
  }

  private stateUpdate<S extends string>(change: RecordChange<S>, now: Date): StateUpdate {
    const ordering = orderingCondition(change.lifecycle, change.status, change.event.created);
    const fields = Object.entries(change.fields).filter(([key, value]) => value !== undefined && !RESERVED.has(key));
    const names: Record<string, string> = { ...ordering.names, ...change.guard?.names };
    const values: Record<string, unknown> = {
      ...ordering.values,
      ...change.guard?.values,
      ':status': change.status,
      ':now': now.toISOString(),
      ':provider': 'stripe',
      ':source': this.sourceId,
      ...(this.sourceId === PLATFORM_SOURCE_ID ? {} : { ':stripeId': change.id }),
      ':kindShard': kindShard(change.kind, recordId(change.id, this.sourceId)),
    };
    const sets = [
      '#status = :status',
      'provider = :provider',
      'sourceId = :source',
      ...(this.sourceId === PLATFORM_SOURCE_ID ? [] : ['stripeId = :stripeId']),
      'lastEventCreated = :created',
      'updatedAt = :now',
      'firstSeenAt = if_not_exists(firstSeenAt, :now)',
      'kindShard = :kindShard',
    ];
    const own = fieldUpdate(Object.fromEntries(fields), 'f');
    return {
      key: { TableName: this.tableName, Key: { id: recordId(change.id, this.sourceId), kind: change.kind } },
      sets: [...sets, ...own.sets],
      names: { ...names, ...own.names },
      values: { ...values, ...own.values },
      condition: change.guard
        ? `attribute_not_exists(id) OR ((${ordering.expression}) AND (${change.guard.expression}))`
        : `attribute_not_exists(id) OR (${ordering.expression})`,
    };
  }
}

/** A duplicate, or RecordFull, from the record as it was when it refused; undefined if neither (the event is late). */
function refusal(old: RecordWithEvents | undefined, stamp: EventStamp): RecordResult | undefined {
  if (old?.eventKeys?.has(stamp.eventKey)) {
    const first = entryOf(old, stamp.eventKey);
    return { applied: false, duplicate: true, current: old, firstOutcome: first && isLate(first) ? 'stale' : 'applied' };
  }
  if (old && (old.bodyBytes ?? 0) > RECORD_BODY_ROOM)
    throw new RecordFull(`record ${old.kind} ${old.id} has no room for another event's body`);
  return undefined;
}

interface StateUpdate {
  key: { TableName: string; Key: { id: string; kind: RecordKind } };
  sets: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
  condition: string;
}

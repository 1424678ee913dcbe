import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getMany, isConditionalCheckFailed, oldItemOf, updateItem } from '../shared/dynamodb.js';
import { unpackBody } from '../shared/event-body.js';
import { kindShard, recordsByKind } from '../shared/record-index.js';
import { orderingCondition, type Lifecycle } from './lifecycles.js';
import { eventKey } from './event-store.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';

/** Kinds of record the Stripe route keeps in the records table (partition key `id`, sort key `kind`). */
export type RecordKind =
  | 'transaction'
  | 'refund'
  | 'dispute'
  | 'early_fraud_warning'
  | 'checkout_session'
  | 'payout'
  | 'transfer'
  | 'file'
  | 'report_run'
  | 'report_type';

export type RecordFields = Record<string, string | number | boolean | undefined>;

export interface StripeRecord {
  /** The Stripe id; for a merchant source's record, `<sourceId>/<Stripe id>`. */
  id: string;
  kind: RecordKind;
  status: string;
  provider: 'stripe';
  /** Which source's events keep it. */
  sourceId: string;
  /**
   * The Stripe object's own id, kept on a merchant source's record only: the platform's id is
   * the Stripe id itself (read either with stripeIdOf).
   */
  stripeId?: string;
  /** The `created` of the last event applied (the ordering guard); which event it was, its history says. */
  lastEventCreated: number;
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

/**
 * `applied`: created, or moved to the event's state. Not applied: the event is older than the
 * record's state, or a move back from it (a late event), or — for a stamped store — this very
 * event was written before (`duplicate`, with what it did then).
 */
export type RecordResult =
  | { applied: true; previous?: StripeRecord }
  | { applied: false; current?: StripeRecord; duplicate?: undefined }
  | { applied: false; current: StripeRecord; duplicate: true; firstOutcome: 'applied' | 'stale' };

/**
 * The event a stamped store writes with each change (see `stamped`): its key, kept in the
 * record's `eventKeys` so no event is applied twice, and its raw body (packed), kept in the
 * record's `history`, so the event needs no item of its own.
 */
export interface EventStamp {
  eventKey: string;
  receivedAt: string;
  /** The raw body, packed (event-body.ts). */
  body: Uint8Array;
}

/** One event of a record's `history`, as readers see it (recordedEvent). */
export interface RecordedEvent {
  eventKey: string;
  type: string;
  /** The status the event asked for. */
  status: string;
  created: number;
  receivedAt: string;
  /** False for a late event: recorded, its state not taken. */
  statusChanged: boolean;
  body: Uint8Array;
}

/**
 * One event of a record's `history` as a stamped store writes it: what the body does not say
 * (the status it asked for, when it came, whether it came late) and the packed body. Its id,
 * type and `created` are the body's own, read from it (recordedEvent), so the record stays
 * within one write unit (1 KB) for an event as large as a charge's; the record's `eventKeys`
 * hold the keys for the condition that deduplicates. Entries written before 2026-11-23 carry
 * `eventKey`, `type`, `created` and `statusChanged` themselves.
 */
export interface StoredEntry {
  status: string;
  receivedAt: string;
  body: Uint8Array;
  /** Present, and true, only for a late event. */
  late?: true;
  eventKey?: string;
  type?: string;
  created?: number;
  statusChanged?: boolean;
}

/** A stored entry as the event it records; what the entry does not hold is read from its body. */
export function recordedEvent(entry: StoredEntry, sourceId: string = PLATFORM_SOURCE_ID): RecordedEvent {
  const own =
    entry.eventKey !== undefined && entry.type !== undefined && entry.created !== undefined
      ? { eventKey: entry.eventKey, type: entry.type, created: entry.created }
      : envelopeOf(entry.body, sourceId);
  return { ...own, status: entry.status, receivedAt: entry.receivedAt, statusChanged: !isLate(entry), body: entry.body };
}

function envelopeOf(body: Uint8Array, sourceId: string): { eventKey: string; type: string; created: number } {
  const parsed = JSON.parse(unpackBody(body)) as { id?: unknown; type?: unknown; created?: unknown };
  return { eventKey: eventKey(String(parsed.id), sourceId), type: String(parsed.type), created: Number(parsed.created) };
}

/**
 * The same, or undefined when the entry's body cannot be read (packed with a dictionary this
 * code does not know, after a rollback, or damaged): an entry names its event only through its
 * body, and one such entry must not make the record's other events unreadable, nor a
 * redelivery to the record fail on every retry.
 */
export function readableEvent(entry: StoredEntry, sourceId?: string): RecordedEvent | undefined {
  try {
    return recordedEvent(entry, sourceId);
  } catch {
    return undefined;
  }
}

/** The entry of a record's history that records this event key, if any (bodies unpacked until found; unreadable ones passed over). */
export function entryOf<T extends StoredEntry>(record: { sourceId?: string; history?: T[] } | undefined, key: string): T | undefined {
  return record?.history?.find((entry) => (entry.eventKey ?? readableEvent(entry, record.sourceId)?.eventKey) === key);
}

/** A record's events, oldest first, as readers see them. */
export const recordedEvents = (record: { sourceId?: string; history?: StoredEntry[] }): RecordedEvent[] =>
  (record.history ?? []).map((entry) => recordedEvent(entry, record.sourceId));

const isLate = (entry: StoredEntry) => entry.late === true || entry.statusChanged === false;

/**
 * A record takes another event's body while the packed bodies it holds (`bodyBytes`) come to
 * at most this many bytes: seven to ten events of a payment (0.2–0.45 KB each with the
 * dictionary), so it holds at most this and one more body. Past it, an event is stored as
 * before the record kept events: its own item in the events table, claimed there (the caller
 * catches RecordFull). Whether a record takes an event depends on the record alone, never on
 * the size of this delivery's body: Stripe's body for one event can differ between deliveries
 * (`pending_webhooks`; a deploy packing it otherwise), and a record that refused one delivery
 * for room must refuse them all, or one event would be kept (and applied) in both places.
 * `bodyBytes` only grows, so a record that is full stays full.
 */
export const RECORD_BODY_ROOM = 2560;

/** This record has no room for the event's body: take the events table's claim instead. */
export class RecordFull extends Error {
  override readonly name = 'RecordFull';
}

/**
 * Records written before 2026-11-23 also named their last event (`lastEventId`,
 * `lastEventType`); the history says it now, and a write drops the stale copy.
 */
const FORMER = 'REMOVE lastEventId, lastEventType';

/** Key attributes and the ordering attributes are never taken from an event's fields. */
const RESERVED = new Set([
  'id',
  'kind',
  'status',
  'provider',
  'sourceId',
  'stripeId',
  'lastEventCreated',
  'lastEventId',
  'lastEventType',
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
   * This source's records of one kind in the given statuses, newest first: every shard of the
   * kind on the `byKindShard` index (recordsByKind), filtered by source and status, from
   * `since` when given; then the records themselves.
   */
  async list(
    kind: RecordKind,
    statuses: readonly string[],
    { since, limit = 50 }: { since?: string; limit?: number } = {},
  ): Promise<StripeRecord[]> {
    const wanted = Object.fromEntries(statuses.map((status, index) => [`:status${index}`, status]));
    const listed = recordsByKind<{ id: string; kind: string; updatedAt: string }>(this.db, {
      tableName: this.tableName,
      value: kind,
      range: since ? { expression: 'updatedAt >= :since', values: { ':since': since } } : undefined,
      filter: {
        expression: `sourceId = :source AND #status IN (${Object.keys(wanted).join(', ')})`,
        names: { '#status': 'status' },
        values: { ':source': this.sourceId, ...wanted },
      },
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
   * and out-of-order deliveries cannot interleave a read and a write. A stamped store records
   * its event in that same update (see applyStamped).
   */
  async apply<S extends string>(change: RecordChange<S>, now: Date): Promise<RecordResult> {
    const state = this.stateUpdate(change, now);
    if (this.stamp) return this.applyStamped(change, state, this.stamp, now);
    try {
      const result = await this.db.send(
        new UpdateCommand({
          ...state.key,
          UpdateExpression: `SET ${state.sets.join(', ')} ${FORMER}`,
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
  private async applyStamped<S extends string>(
    change: RecordChange<S>,
    state: StateUpdate,
    stamp: EventStamp,
    now: Date,
  ): Promise<RecordResult> {
    const entry = (statusChanged: boolean): StoredEntry => ({
      status: change.status,
      receivedAt: stamp.receivedAt,
      body: stamp.body,
      ...(statusChanged ? {} : { late: true as const }),
    });
    const stampValues = {
      ':key': stamp.eventKey,
      ':keys': new Set([stamp.eventKey]),
      ':bodyBytes': stamp.body.length,
      ':room': RECORD_BODY_ROOM,
      ':empty': [],
    };
    const unseen = 'NOT contains(eventKeys, :key) AND (attribute_not_exists(bodyBytes) OR bodyBytes <= :room)';
    const record = 'history = list_append(if_not_exists(history, :empty), :entry)';
    let before: StoredRecord | undefined;
    try {
      const previous = await updateItem(this.db, {
        ...state.key,
        UpdateExpression: `SET ${[...state.sets, record].join(', ')} ${FORMER} ADD eventKeys :keys, bodyBytes :bodyBytes`,
        ConditionExpression: `${unseen} AND (${state.condition})`,
        ExpressionAttributeNames: state.names,
        ExpressionAttributeValues: { ...state.values, ...stampValues, ':entry': [entry(true)] },
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { applied: true, previous: previous as StripeRecord | undefined };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      before = oldItemOf<StoredRecord>(error);
      const refused = refusal(before, stamp);
      if (refused) return refused;
    }
    // Late (older than the record's state, or a move back from it): recorded, state kept.
    try {
      await this.db.send(
        new UpdateCommand({
          ...state.key,
          UpdateExpression: `SET ${record}, updatedAt = :now, kindShard = :kindShard ADD eventKeys :keys, bodyBytes :bodyBytes`,
          ConditionExpression: `attribute_exists(id) AND ${unseen}`,
          ExpressionAttributeValues: {
            ...stampValues,
            ':entry': [entry(false)],
            ':now': now.toISOString(),
            ':kindShard': state.values[':kindShard'],
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: false, current: before };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const refused = refusal(oldItemOf<StoredRecord>(error), stamp);
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
    fields.forEach(([key, value], index) => {
      names[`#f${index}`] = key;
      values[`:f${index}`] = value;
      sets.push(`#f${index} = :f${index}`);
    });
    return {
      key: { TableName: this.tableName, Key: { id: recordId(change.id, this.sourceId), kind: change.kind } },
      sets,
      names,
      values,
      condition: change.guard
        ? `attribute_not_exists(id) OR ((${ordering.expression}) AND (${change.guard.expression}))`
        : `attribute_not_exists(id) OR (${ordering.expression})`,
    };
  }
}

/** A record as a stamped store leaves it. */
type StoredRecord = StripeRecord & { eventKeys?: Set<string>; bodyBytes?: number; history?: StoredEntry[] };

/** A duplicate, or RecordFull, from the record as it was when it refused; undefined if neither (the event is late). */
function refusal(old: StoredRecord | undefined, stamp: EventStamp): RecordResult | undefined {
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

/** A record's Stripe id: its own field on a merchant source's record, its key on the platform's. */
export const stripeIdOf = (record: { id: string; stripeId?: string }): string => record.stripeId ?? record.id;

export const recordId = (stripeId: string, sourceId: string = PLATFORM_SOURCE_ID) =>
  sourceId === PLATFORM_SOURCE_ID ? stripeId : `${sourceId}/${stripeId}`;

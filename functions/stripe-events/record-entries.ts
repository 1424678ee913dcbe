import { unpackBody } from '../shared/record-model.js';
import { eventKey, type KeptStripeEvent, type RecordRef } from './event-store.js';
import { Refund, type Envelope, type StripeEvent } from './event.js';
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

/** Whose the object is (a connected account's, or the platform's) and in which mode: what every payment record keeps from its event. */
export const ofEvent = (envelope: Envelope): RecordFields => ({ account: envelope.account, livemode: envelope.livemode });

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

/**
 * The event a stamped store writes with each change (see StripeRecordStore.stamped): its key,
 * kept in the record's `eventKeys` so no event is applied twice, and its raw body (packed),
 * kept in the record's `history`, so the event needs no item of its own.
 */
export interface EventStamp {
  eventKey: string;
  receivedAt: string;
  /** The raw body, packed (packBody: shared/record-model.ts). */
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
 * hold the keys for the condition that deduplicates.
 */
export interface StoredEntry {
  status: string;
  receivedAt: string;
  body: Uint8Array;
  /** Present, and true, only for a late event. */
  late?: true;
}

/** A record as a stamped store leaves it: its events' keys, bodies' bytes and history. */
export type RecordWithEvents = StripeRecord & { eventKeys?: Set<string>; bodyBytes?: number; history?: StoredEntry[] };

/** A stored entry as the event it records; its id, type and `created` are read from its body. */
export function recordedEvent(entry: StoredEntry, sourceId: string = PLATFORM_SOURCE_ID): RecordedEvent {
  const own = envelopeOf(entry.body, sourceId);
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
  return record?.history?.find((entry) => readableEvent(entry, record.sourceId)?.eventKey === key);
}

/** A record's events, oldest first, as readers see them. */
export const recordedEvents = (record: { sourceId?: string; history?: StoredEntry[] }): RecordedEvent[] =>
  (record.history ?? []).map((entry) => recordedEvent(entry, record.sourceId));

export const isLate = (entry: StoredEntry) => entry.late === true;

/**
 * A record takes another event's body while the packed bodies it holds (`bodyBytes`) come to
 * at most this many bytes: seven to ten events of a payment (0.2–0.45 KB each with the
 * dictionary), so it holds at most this and one more body. Past it, an event is stored as
 * its own item in the events table, claimed there (the caller
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

/** The history entry a stamp writes: the status asked for, and whether it came late. */
export const stampEntry = (stamp: EventStamp, status: string, late: boolean): StoredEntry => ({
  status,
  receivedAt: stamp.receivedAt,
  body: stamp.body,
  ...(late ? { late: true as const } : {}),
});

/**
 * The condition and values that record a stamp in a record's update: its key not in the
 * record yet, and room for another body (RECORD_BODY_ROOM).
 */
export function stampWrite(stamp: EventStamp) {
  return {
    unseen: 'NOT contains(eventKeys, :key) AND (attribute_not_exists(bodyBytes) OR bodyBytes <= :room)',
    append: 'history = list_append(if_not_exists(history, :empty), :entry)',
    add: 'ADD eventKeys :keys, bodyBytes :bodyBytes',
    values: {
      ':key': stamp.eventKey,
      ':keys': new Set([stamp.eventKey]),
      ':bodyBytes': stamp.body.length,
      ':room': RECORD_BODY_ROOM,
      ':empty': [],
    },
  };
}

/**
 * The records an event moves when it is kept in them (the inbox's `record` route):
 * the same objects the apply functions write, by Stripe id and kind.
 */
export function recordTargets({ envelope, parsed }: StripeEvent): { stripeId: string; kind: RecordKind }[] {
  switch (parsed.kind) {
    case 'payment_intent':
      return [{ stripeId: parsed.object.id, kind: 'transaction' }];
    case 'charge': {
      const refunds = (parsed.object.refunds?.data ?? []).flatMap((raw) => {
        const refund = Refund.safeParse(raw);
        return refund.success ? [{ stripeId: refund.data.id, kind: 'refund' as const }] : [];
      });
      return [{ stripeId: parsed.object.payment_intent ?? parsed.object.id, kind: 'transaction' }, ...refunds];
    }
    case 'checkout_session': {
      const intent = parsed.object.payment_intent;
      return [
        { stripeId: parsed.object.id, kind: 'checkout_session' },
        ...(intent && envelope.type === 'checkout.session.async_payment_succeeded'
          ? [{ stripeId: intent, kind: 'transaction' as const }]
          : []),
      ];
    }
    case 'refund':
    case 'dispute':
    case 'early_fraud_warning':
    case 'file':
    case 'report_run':
    case 'report_type':
    case 'payout':
    case 'transfer':
      return [{ stripeId: parsed.object.id, kind: parsed.kind }];
    case 'account':
    case 'unknown':
      return [];
  }
}

/** The records an event of this source is kept in, as table keys. */
export function recordRefs(event: StripeEvent, sourceId: string): RecordRef[] {
  return recordTargets(event).map((target) => ({ id: recordId(target.stripeId, sourceId), kind: target.kind }));
}

/** An entry of a record's history as the event it records, its raw body unpacked. */
export function eventOfRecord(record: RecordWithEvents, entry: StoredEntry): KeptStripeEvent {
  return { ...recordedEventFields(record, recordedEvent(entry, record.sourceId)), payload: unpackBody(entry.body) };
}

/** The same without the body (nothing unpacked): what a listing shows. */
export function recordedEventFields(
  record: RecordWithEvents,
  entry: RecordedEvent,
): Omit<KeptStripeEvent, 'payload'> & { kind: string; status: string } {
  return {
    eventKey: entry.eventKey,
    provider: 'stripe',
    sourceId: record.sourceId,
    eventId: entry.eventKey.slice(entry.eventKey.lastIndexOf(':') + 1),
    type: entry.type,
    account: typeof record.account === 'string' ? record.account : undefined,
    livemode: record.livemode === true,
    created: entry.created,
    objectId: stripeIdOf(record),
    kind: record.kind,
    status: entry.status,
    receivedAt: entry.receivedAt,
    appliedAt: entry.receivedAt,
    outcome: entry.statusChanged ? 'applied' : 'stale',
    detail: entry.statusChanged
      ? `${record.kind} ${stripeIdOf(record)} → ${entry.status}`
      : `${record.kind} ${stripeIdOf(record)}: ${entry.status} came late; the record kept its newer state`,
    record: { id: record.id, kind: record.kind },
  };
}

/** A record's Stripe id: its own field on a merchant source's record, its key on the platform's. */
export const stripeIdOf = (record: { id: string; stripeId?: string }): string => record.stripeId ?? record.id;

export const recordId = (stripeId: string, sourceId: string = PLATFORM_SOURCE_ID) =>
  sourceId === PLATFORM_SOURCE_ID ? stripeId : `${sourceId}/${stripeId}`;

import { unpackBody } from '../shared/event-body.js';
import { eventKey, type StoredStripeEvent, type StripeEventStore } from './event-store.js';
import { entryOf, recordedEvent, type RecordedEvent, type StoredEntry } from './record-entries.js';
import { recordId, stripeIdOf, type RecordKind, type StripeRecord, type StripeRecordStore } from './record-store.js';
import { Refund, type StripeEvent } from './schemas.js';

/** Where a record is: the records table's key (`id` includes a merchant source's prefix). */
export interface RecordRef {
  id: string;
  kind: string;
}

/** An event kept in the history of a record it moved, as the events table would show it. */
export type RecordedStripeEvent = Omit<StoredStripeEvent, 'deliveries' | 'expiresAt'> & {
  deliveries?: number;
  expiresAt?: number;
  record: RecordRef;
};

/** A Stripe event as kept: its own item in the events table, or an entry of a record's history. */
export type KeptStripeEvent = (StoredStripeEvent & { record?: undefined }) | RecordedStripeEvent;

/** A record as a stamped store leaves it: its events in `history`. */
export type RecordWithEvents = StripeRecord & { history?: StoredEntry[]; eventKeys?: Set<string>; bodyBytes?: number };

/**
 * The records an event moves when it is kept in them (processStripeEvent's `record` route):
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

/** An entry of a record's history as the event it records, its raw body unpacked. */
export function eventOfRecord(record: RecordWithEvents, entry: StoredEntry): RecordedStripeEvent {
  return { ...recordedEventFields(record, recordedEvent(entry, record.sourceId)), payload: unpackBody(entry.body) };
}

/** The same without the body (nothing unpacked): what a listing shows. */
export function recordedEventFields(
  record: RecordWithEvents,
  entry: RecordedEvent,
): Omit<RecordedStripeEvent, 'payload'> & { kind: string; status: string } {
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

/**
 * A Stripe event of one source by its id, wherever it is kept: the events table, else the
 * records `where` names (recordTargets of the event, or a link's).
 */
export async function findStripeEvent(
  stores: { events: StripeEventStore; records: StripeRecordStore },
  eventId: string,
  where: RecordRef[] = [],
): Promise<KeptStripeEvent | undefined> {
  const own = await stores.events.get(eventId);
  if (own) return own;
  const key = eventKey(eventId, stores.events.sourceId);
  for (const ref of where) {
    const record = (await stores.records.at(ref)) as RecordWithEvents | undefined;
    const entry = entryOf(record, key);
    if (record && entry) return eventOfRecord(record, entry);
  }
  return undefined;
}

/** The records an event of this source is kept in, as table keys. */
export function recordRefs(event: StripeEvent, sourceId: string): RecordRef[] {
  return recordTargets(event).map((target) => ({ id: recordId(target.stripeId, sourceId), kind: target.kind }));
}

/**
 * Whether an event was applied, for catch-up (which has the event from Stripe's API): every
 * record it moves has its key, or its own item in the events table is marked applied. Reads
 * only, eventually consistent: the write that applies it stays the guard.
 */
export async function wasApplied(stores: { events: StripeEventStore; records: StripeRecordStore }, event: StripeEvent): Promise<boolean> {
  if (await stores.events.isApplied(event.envelope.id)) return true;
  const refs = recordRefs(event, stores.events.sourceId);
  if (refs.length === 0) return false;
  const key = eventKey(event.envelope.id, stores.events.sourceId);
  for (const ref of refs) {
    if (!(await stores.records.eventKeysAt(ref)).has(key)) return false;
  }
  return true;
}

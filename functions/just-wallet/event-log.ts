import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unpackBody } from '../shared/event-body.js';
import type { EventOutcome, JustWalletEventItem, JustWalletEventStore } from './events.js';
import { FUNDING, PAYOUT, QUOTE, type RecordKind } from './lifecycle.js';
import type { HistoryEntry, JustWalletRecord } from './records.js';

/** Where a record is: the records table's key. */
export interface RecordRef {
  id: string;
  kind: string;
}

/**
 * A Just Wallet event as kept: its own item in the events table (an event that changed no
 * record, or the body of one too large for its record), or an entry of the history of the
 * record it changed (`record`), its raw body unpacked.
 */
export type KeptJustWalletEvent = Omit<JustWalletEventItem, 'expiresAt'> & { expiresAt?: number; record?: RecordRef };

/** The kinds of record a key's type names; a lifecycle's key ends in the object's status, a quote's in its id. */
const KEY_TYPES: Readonly<Record<string, { kind: RecordKind; statusLast: boolean }>> = {
  payout: { kind: PAYOUT.kind, statusLast: true },
  collection: { kind: FUNDING.kind, statusLast: true },
  ...Object.fromEntries(Object.keys(QUOTE.rank).map((type) => [type, { kind: QUOTE.kind, statusLast: false }])),
};

/**
 * The record an event key names (`just-wallet:payout:<id>:<status>`, `just-wallet:<quote type>:<id>`);
 * undefined for an unknown type's. The type is one of a known set and a status never holds a
 * `:`, but an id may: it is everything between the type and the status (or the end).
 */
export function recordOfEventKey(eventKey: string): RecordRef | undefined {
  const match = /^just-wallet:([^:]+):(.+)$/s.exec(eventKey);
  const keyType = match && Object.hasOwn(KEY_TYPES, match[1]!) ? KEY_TYPES[match[1]!]! : undefined;
  if (!match || !keyType) return undefined;
  const rest = match[2]!;
  const id = keyType.statusLast ? rest.slice(0, Math.max(0, rest.lastIndexOf(':'))) : rest;
  return id ? { id, kind: keyType.kind } : undefined;
}

/** An entry of a record's history as the event it records. */
export function eventOfRecord(record: Pick<JustWalletRecord, 'id' | 'kind'>, entry: HistoryEntry): KeptJustWalletEvent {
  const outcome: EventOutcome = entry.statusChanged ? 'applied' : 'stale';
  return {
    eventKey: entry.eventKey,
    provider: 'just-wallet',
    type: entry.type,
    objectId: record.id,
    kind: record.kind,
    status: entry.status,
    receivedAt: entry.receivedAt,
    // An event too large for its record has no body in its entry: its own item keeps it.
    payload: entry.body ? unpackBody(entry.body) : '',
    appliedAt: entry.receivedAt,
    outcome,
    record: { id: record.id, kind: record.kind },
  };
}

/** A Just Wallet event by its key, wherever it is kept. */
export async function findJustWalletEvent(
  stores: { db: DynamoDBDocumentClient; events: JustWalletEventStore; recordsTable: string },
  eventKey: string,
): Promise<KeptJustWalletEvent | undefined> {
  const own = await stores.events.get(eventKey);
  const ref = recordOfEventKey(eventKey);
  if (!ref) return own;
  const record = (await stores.db.send(new GetCommand({ TableName: stores.recordsTable, Key: ref, ConsistentRead: true }))).Item as
    JustWalletRecord | undefined;
  const entry = record?.history?.find((each) => each.eventKey === eventKey);
  // The record's entry says what applying did; an item of its own keeps the body the record had no room for.
  if (record && entry && (!own || entry.body)) return eventOfRecord(record, entry);
  return own;
}

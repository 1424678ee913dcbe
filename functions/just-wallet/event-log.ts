import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unpackBody } from '../shared/event-body.js';
import type { EventOutcome, JustWalletEventItem, JustWalletEventStore } from './events.js';
import type { RecordKind } from './lifecycle.js';
import type { HistoryEntry, JustWalletRecord } from './records.js';

/** Where a record is: the records table's key. */
export interface RecordRef {
  id: string;
  kind: string;
}

/**
 * A Just Wallet event as kept: its own item in the events table (an event that changed no
 * record, or one kept before records kept their events), or an entry of the history of the
 * record it changed (`record`), its raw body unpacked.
 */
export type KeptJustWalletEvent = Omit<JustWalletEventItem, 'expiresAt'> & { expiresAt?: number; record?: RecordRef };

/** The record an event key names (`just-wallet:payout:<id>:<status>`, `just-wallet:<quote type>:<id>`); undefined for an unknown type's. */
export function recordOfEventKey(eventKey: string): RecordRef | undefined {
  const [provider, keyType, id] = eventKey.split(':');
  if (provider !== 'just-wallet' || !id) return undefined;
  const kind: RecordKind | undefined = keyType === 'payout' ? 'just_wallet_payout' : keyType === 'collection' ? 'just_wallet_funding' : keyType?.startsWith('quote_') ? 'just_wallet_quote' : undefined;
  return kind ? { id, kind } : undefined;
}

/** An entry of a record's history as the event it records. */
export function eventOfRecord(record: Pick<JustWalletRecord, 'id' | 'kind'>, entry: HistoryEntry): KeptJustWalletEvent {
  const outcome: EventOutcome = entry.statusChanged ? 'applied' : 'outdated';
  return {
    eventKey: entry.eventKey,
    provider: 'just-wallet',
    type: entry.type,
    objectId: record.id,
    kind: record.kind,
    status: entry.status,
    receivedAt: entry.receivedAt,
    // Entries written before records kept bodies have none.
    payload: entry.body ? unpackBody(entry.body) : '',
    appliedAt: entry.receivedAt,
    outcome,
    record: { id: record.id, kind: record.kind },
  };
}

/** A Just Wallet event by its key, wherever it is kept. */
export async function findJustWalletEvent(stores: { db: DynamoDBDocumentClient; events: JustWalletEventStore; recordsTable: string }, eventKey: string): Promise<KeptJustWalletEvent | undefined> {
  const own = await stores.events.get(eventKey);
  const ref = recordOfEventKey(eventKey);
  if (!ref) return own;
  const record = (await stores.db.send(new GetCommand({ TableName: stores.recordsTable, Key: ref, ConsistentRead: true }))).Item as JustWalletRecord | undefined;
  const entry = record?.history?.find((each) => each.eventKey === eventKey);
  // The record's entry says what applying did; an item of its own is the older way of keeping it.
  if (record && entry && (!own || entry.body)) return eventOfRecord(record, entry);
  return own;
}

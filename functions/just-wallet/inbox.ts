import type { Clock } from '../shared/clock.js';
import { packBody, unpackBody } from '../shared/record-model.js';
import type { Logger } from '../shared/telemetry.js';
import type { EventOutcome, JustWalletEventItem, JustWalletEventStore } from './events.js';
import { FUNDING, PAYOUT, QUOTE, type RecordKind } from './lifecycle.js';
import type { JustWalletEvent } from './payload.js';
import type { AppliedEvent, HistoryEntry, JustWalletRecord, JustWalletRecordStore } from './records.js';

/*
 * The Just Wallet route's inbox: keeps a verified event (in the history of the record it
 * changes, or its own item in the events table), applies it at most once, and finds it wherever
 * it is kept.
 */

export interface RecordEventDeps {
  events: JustWalletEventStore;
  records: JustWalletRecordStore;
  clock: Clock;
  logger: Logger;
  /** How long an event is kept in the events table (and so recognised as a redelivery). */
  eventRetentionSeconds: number;
  /** Called with each outcome, for metrics. */
  onOutcome?: (outcome: string) => void;
}

/**
 * A verified event, exactly once, in one DynamoDB write on its common path. A change is one
 * conditional update of its record, which keeps the keys of the events applied to it (so none
 * is applied twice), never moves a status backwards, and keeps the event itself in its
 * history (raw body packed): a redelivery, or a retry whose first write landed unanswered, is
 * recognised from the record as it was. An event that changes no record (an unknown type or
 * status) is one conditional put in the events table, with its outcome.
 */
export async function recordJustWalletEvent(event: JustWalletEvent, payload: string, deps: RecordEventDeps): Promise<EventOutcome> {
  const now = deps.clock.now();
  const receivedAt = new Date(now).toISOString();
  if (event.kind === 'change') {
    const body = packBody(payload);
    if (body.length <= RECORD_BODY_ROOM)
      return done(deps, event, await applyChange(event, { eventKey: event.eventKey, type: event.type, receivedAt, body }, deps));
    // Too large to keep in the record (its history would outgrow DynamoDB's 400 KB item, and
    // every later write to it would fail): the record notes the event without its body, and
    // the body is kept as the event's own item.
    const outcome = await applyChange(event, { eventKey: event.eventKey, type: event.type, receivedAt }, deps);
    await deps.events.claim(ownItem(event, payload, now, deps, outcome === 'duplicate' ? 'applied' : outcome));
    deps.logger.info('Just Wallet event body kept in the events table: too large for its record', {
      eventKey: event.eventKey,
      packedBytes: body.length,
    });
    return done(deps, event, outcome);
  }
  const outcome = event.kind === 'unknown_type' ? 'ignored_type' : 'ignored_status';
  const claim = await deps.events.claim(ownItem(event, payload, now, deps, outcome));
  // Its own item is put with its outcome: one that is there already is this event's, applied.
  if (!claim.isNew) return done(deps, event, 'duplicate');
  deps.logger.warn('Just Wallet event kept but not applied', { eventKey: event.eventKey, type: event.type, outcome });
  return done(deps, event, outcome);
}

/**
 * The most a record keeps of one event's packed body. A record holds one event per status (a
 * payout's seven at most), so its history stays far below DynamoDB's 400 KB item whatever
 * Just Wallet sends (a delivery may be 256 KB); a Just Wallet event packs to about 0.25 KB.
 */
export const RECORD_BODY_ROOM = 8 * 1024;

/** An event as its own item of the events table, applied (or ignored) with `outcome`. */
function ownItem(
  event: JustWalletEvent,
  payload: string,
  now: number,
  deps: Pick<RecordEventDeps, 'eventRetentionSeconds'>,
  outcome: EventOutcome,
): JustWalletEventItem {
  const receivedAt = new Date(now).toISOString();
  const about =
    event.kind === 'unknown_status'
      ? { objectId: event.objectId, status: event.status }
      : event.kind === 'change'
        ? { objectId: event.change.id, kind: event.change.lifecycle.kind, status: event.change.status }
        : {};
  return {
    eventKey: event.eventKey,
    provider: 'just-wallet',
    type: event.type,
    ...about,
    receivedAt,
    payload,
    expiresAt: Math.floor(now / 1000) + deps.eventRetentionSeconds,
    appliedAt: receivedAt,
    outcome,
  };
}

/** Applies a change to its record; a delivery's, or an operator's replay. */
export async function applyChange(
  event: Extract<JustWalletEvent, { kind: 'change' }>,
  applied: AppliedEvent,
  deps: Pick<RecordEventDeps, 'records' | 'logger' | 'onOutcome'>,
): Promise<EventOutcome> {
  const { result, returnedAfterCompletion } = await deps.records.apply(event.change, applied);
  if (returnedAfterCompletion) {
    // Money that had arrived came back (a bank return): the operator must see it.
    deps.logger.warn('Just Wallet money returned after completion', {
      eventKey: event.eventKey,
      kind: event.change.lifecycle.kind,
      objectId: event.change.id,
      status: event.change.status,
    });
    deps.onOutcome?.('returned_after_completion');
  }
  return result;
}

function done(deps: RecordEventDeps, event: JustWalletEvent, outcome: EventOutcome): EventOutcome {
  deps.onOutcome?.(outcome);
  deps.logger.info('Just Wallet event recorded', { eventKey: event.eventKey, type: event.type, outcome });
  return outcome;
}

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

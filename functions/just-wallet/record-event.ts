import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/telemetry.js';
import type { EventOutcome, JustWalletEventItem, JustWalletEventStore } from './events.js';
import { parseJustWalletEvent, type JustWalletEvent } from './payload.js';
import type { JustWalletRecordStore } from './records.js';

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
 * A verified event, exactly once: store it (a conditional put on its key), apply it to its
 * record (a conditional update that never moves a status backwards), then mark it applied.
 * A redelivery of an applied event changes nothing; one whose first delivery stopped between
 * the two writes is applied again, which the record's own conditions make harmless.
 */
export async function recordJustWalletEvent(event: JustWalletEvent, payload: string, deps: RecordEventDeps): Promise<EventOutcome> {
  const now = deps.clock.now();
  const receivedAt = new Date(now).toISOString();
  const item: JustWalletEventItem = {
    eventKey: event.eventKey,
    provider: 'just-wallet',
    type: event.type,
    ...(event.kind === 'change' ? { objectId: event.change.id, kind: event.change.lifecycle.kind, status: event.change.status } : {}),
    ...(event.kind === 'unknown_status' ? { objectId: event.objectId, status: event.status } : {}),
    receivedAt,
    payload,
    expiresAt: Math.floor(now / 1000) + deps.eventRetentionSeconds,
  };
  const claim = await deps.events.claim(item);
  if (!claim.isNew && claim.existing.appliedAt !== undefined) return done(deps, event, 'duplicate');
  return done(deps, event, await applyJustWalletEvent(event, { receivedAt, now: receivedAt }, deps));
}

/**
 * Applies a stored event to its record (a conditional update that never moves a status
 * backwards and never applies one event twice), then marks the event applied if it was not.
 * Deliveries and operator replays both come here.
 */
export async function applyJustWalletEvent(event: JustWalletEvent, times: { receivedAt: string; now: string }, deps: Pick<RecordEventDeps, 'events' | 'records' | 'logger' | 'onOutcome'>): Promise<EventOutcome> {
  if (event.kind !== 'change') {
    const outcome = event.kind === 'unknown_type' ? 'ignored_type' : 'ignored_status';
    deps.logger.warn('Just Wallet event kept but not applied', { eventKey: event.eventKey, type: event.type, outcome });
    await deps.events.markApplied(event.eventKey, outcome, times.now);
    return outcome;
  }

  const { result, returnedAfterCompletion } = await deps.records.apply(event.change, { eventKey: event.eventKey, type: event.type, receivedAt: times.receivedAt });
  if (returnedAfterCompletion) {
    // Money that had arrived came back (a bank return): the operator must see it.
    deps.logger.warn('Just Wallet money returned after completion', { eventKey: event.eventKey, kind: event.change.lifecycle.kind, objectId: event.change.id, status: event.change.status });
    deps.onOutcome?.('returned_after_completion');
  }
  // `already_applied`: an earlier or concurrent delivery applied it and did not get to mark it.
  await deps.events.markApplied(event.eventKey, result === 'already_applied' ? 'applied' : result, times.now);
  return result === 'already_applied' ? 'duplicate' : result;
}

/** A stored event as it was verified on arrival, parsed again by the route's own parser. */
export function parseStoredJustWalletEvent(stored: Pick<JustWalletEventItem, 'eventKey' | 'payload'>): JustWalletEvent {
  const event = parseJustWalletEvent(stored.payload, Buffer.from(stored.payload, 'utf8'));
  if (event.eventKey !== stored.eventKey) throw new Error(`The stored body is event ${event.eventKey}, not ${stored.eventKey}; not replayed.`);
  return event;
}

/**
 * An operator's replay of a stored event through the same apply code as a delivery. A record
 * never takes one event twice, so a replay of an applied event is a `duplicate`; one whose
 * delivery stopped before applying it is applied now.
 */
export async function replayJustWalletEvent(stored: JustWalletEventItem, deps: Pick<RecordEventDeps, 'events' | 'records' | 'logger' | 'clock'>): Promise<EventOutcome> {
  const event = parseStoredJustWalletEvent(stored);
  const now = new Date(deps.clock.now()).toISOString();
  const outcome = await applyJustWalletEvent(event, { receivedAt: stored.receivedAt, now }, deps);
  await deps.events.noteReplay(stored.eventKey, outcome, now);
  return outcome;
}

function done(deps: RecordEventDeps, event: JustWalletEvent, outcome: EventOutcome): EventOutcome {
  deps.onOutcome?.(outcome);
  deps.logger.info('Just Wallet event recorded', { eventKey: event.eventKey, type: event.type, outcome });
  return outcome;
}

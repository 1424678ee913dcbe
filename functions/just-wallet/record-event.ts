import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/telemetry.js';
import type { EventOutcome, JustWalletEventItem, JustWalletEventStore } from './events.js';
import type { JustWalletEvent } from './payload.js';
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

  if (event.kind !== 'change') {
    const outcome = event.kind === 'unknown_type' ? 'ignored_type' : 'ignored_status';
    deps.logger.warn('Just Wallet event kept but not applied', { eventKey: event.eventKey, type: event.type, outcome });
    await deps.events.markApplied(event.eventKey, outcome, receivedAt);
    return done(deps, event, outcome);
  }

  const { result, returnedAfterCompletion } = await deps.records.apply(event.change, { eventKey: event.eventKey, type: event.type, receivedAt });
  if (returnedAfterCompletion) {
    // Money that had arrived came back (a bank return): the operator must see it.
    deps.logger.warn('Just Wallet money returned after completion', { eventKey: event.eventKey, kind: event.change.lifecycle.kind, objectId: event.change.id, status: event.change.status });
    deps.onOutcome?.('returned_after_completion');
  }
  // `already_applied`: an earlier or concurrent delivery applied it and did not get to mark it.
  const outcome: EventOutcome = result === 'already_applied' ? 'duplicate' : result;
  await deps.events.markApplied(event.eventKey, result === 'already_applied' ? 'applied' : result, receivedAt);
  return done(deps, event, outcome);
}

function done(deps: RecordEventDeps, event: JustWalletEvent, outcome: EventOutcome): EventOutcome {
  deps.onOutcome?.(outcome);
  deps.logger.info('Just Wallet event recorded', { eventKey: event.eventKey, type: event.type, outcome });
  return outcome;
}

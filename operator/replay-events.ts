import { randomUUID } from 'node:crypto';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../functions/shared/dynamodb.js';
import type { EventOutcome, JustWalletEventItem } from '../functions/just-wallet/events.js';
import type { KeptJustWalletEvent } from '../functions/just-wallet/inbox.js';
import { parseJustWalletEvent, type JustWalletEvent } from '../functions/just-wallet/payload.js';
import { applyChange, type RecordEventDeps } from '../functions/just-wallet/inbox.js';
import type { Move } from '../functions/shared/record-model.js';
import type { StripeDeps, ApplyOutcome } from '../functions/stripe-events/inbox.js';
import type { KeptStripeEvent, StripeEventStore } from '../functions/stripe-events/event-store.js';
import { applyHeld } from '../functions/stripe-events/inbox.js';
import { applyEvent } from '../functions/stripe-events/process-event.js';
import { parseStripeEvent, type StripeEvent } from '../functions/stripe-events/event.js';
import { forSource } from '../functions/stripe-events/source-scope.js';

/** What a Stripe replay needs: what applying needs, the events table, and the lease it holds the event for. */
export type ReplayDeps = StripeDeps;

/** What a Just Wallet replay needs: the route's stores, and the client its replay note is written with. */
export type JustWalletReplayDeps = Pick<RecordEventDeps, 'events' | 'records' | 'logger' | 'clock'> & { db: DynamoDBDocumentClient };

export interface ReplayAnswer {
  /** What applying did (`applied`, `stale`, `ignored`, `anomaly`, `duplicate`…), or why it did not run (`in_flight`, a deferral reason). */
  outcome: string;
  detail?: string;
  /** The status moves applying made (ApplyOutcome's). */
  moves?: Move[];
}

/** A stored event as it was verified on arrival, parsed again by the route's own parser. */
export function parseStoredStripeEvent(stored: Pick<KeptStripeEvent, 'eventId' | 'payload'>): StripeEvent {
  const event = parseStripeEvent(JSON.parse(stored.payload));
  if (event.envelope.id !== stored.eventId)
    throw new Error(`The stored body is event ${event.envelope.id}, not ${stored.eventId}; not replayed.`);
  return event;
}

/** What applying did, as a replay answers it. */
export const replayAnswer = (result: ApplyOutcome): ReplayAnswer =>
  result.retryLater
    ? { outcome: result.retryLater.reason, detail: result.retryLater.message }
    : { outcome: result.duplicate ? 'duplicate' : result.outcome, detail: result.detail, moves: result.moves };

/**
 * An operator's replay of a kept event: its raw body (verified when it arrived) through the
 * same apply code as a delivery. The ordering rules decide as for a late redelivery: a replay
 * changes only what such a delivery could. An event kept in the events table is held as a
 * delivery would hold it, so none applies it meanwhile, and one never applied before (a
 * deferral, a crash) is applied now; an event kept in a record was applied, and is applied
 * again without a hold (no claim is left to hold; the ordering rules make it harmless, and the
 * record's own duplicate check answers it).
 */
export async function replayStripeEvent(stored: KeptStripeEvent, platformDeps: ReplayDeps): Promise<ReplayAnswer> {
  const deps = forSource(platformDeps, stored.sourceId);
  const event = parseStoredStripeEvent(stored);
  if (stored.record) return replayAnswer(await applyEvent(event, deps));
  const token = randomUUID();
  if (!(await deps.events.hold(stored.eventId, token, deps.clock.now(), deps.leaseMs, { redelivery: false }))) {
    return {
      outcome: 'in_flight',
      detail: 'A delivery of this event is being applied right now; nothing was replayed. Try again shortly.',
    };
  }
  const held = await applyHeld(event, token, deps, applyEvent, (result) =>
    markReplayed(deps.events, stored.eventId, token, result, new Date(deps.clock.now())),
  );
  if (held.kind === 'deferred') return { outcome: held.reason, detail: held.message };
  return replayAnswer(held.result);
}

/**
 * A replay's result, beside the first application's. An event never applied before is applied
 * from now on if the replay acted on it (every outcome but `other_mode`: an event not of the
 * gateway's mode is left for Stripe's redelivery); if not, it stays unapplied, with the
 * replay's outcome as its last refusal, so Stripe's next delivery still applies it.
 */
function markReplayed(events: StripeEventStore, eventId: string, token: string, result: ApplyOutcome, now: Date): Promise<boolean> {
  const { outcome, detail } = result;
  const applied = outcome !== 'other_mode';
  const marks = applied
    ? 'appliedAt = if_not_exists(appliedAt, :now), outcome = if_not_exists(outcome, :outcome)'
    : 'lastRefusal = :outcome';
  return events.settle(eventId, token, {
    UpdateExpression:
      `SET replayedAt = :now, replayOutcome = :outcome, ${marks}` +
      `${detail ? ', replayDetail = :detail' : ''} REMOVE claimToken, claimedUntil${applied ? ', lastRefusal' : ''}${detail ? '' : ', replayDetail'} ADD replays :one`,
    ExpressionAttributeValues: { ':now': now.toISOString(), ':outcome': outcome, ':one': 1, ...(detail ? { ':detail': detail } : {}) },
  });
}

/** A stored Just Wallet event as it was verified on arrival, parsed again by the route's own parser. */
export function parseStoredJustWalletEvent(stored: Pick<JustWalletEventItem, 'eventKey' | 'payload'>): JustWalletEvent {
  const event = parseJustWalletEvent(stored.payload, Buffer.from(stored.payload, 'utf8'));
  if (event.eventKey !== stored.eventKey)
    throw new Error(`The stored body is event ${event.eventKey}, not ${stored.eventKey}; not replayed.`);
  return event;
}

/**
 * Applies a Just Wallet event to its record (a conditional update that never moves a status
 * backwards and never applies one event twice); an event that changes no record is marked
 * applied in the events table, where it is kept.
 */
export async function applyJustWalletEvent(
  event: JustWalletEvent,
  times: { receivedAt: string; now: string },
  deps: JustWalletReplayDeps & Pick<RecordEventDeps, 'onOutcome'>,
): Promise<EventOutcome> {
  if (event.kind !== 'change') {
    const outcome = event.kind === 'unknown_type' ? 'ignored_type' : 'ignored_status';
    deps.logger.warn('Just Wallet event kept but not applied', { eventKey: event.eventKey, type: event.type, outcome });
    await markApplied(deps, event.eventKey, outcome, times.now);
    return outcome;
  }
  return applyChange(event, { eventKey: event.eventKey, type: event.type, receivedAt: times.receivedAt }, deps);
}

/**
 * An operator's replay of a kept Just Wallet event through the same apply code as a delivery.
 * A record never takes one event twice, so a replay of an applied event is a `duplicate`; one
 * whose delivery stopped before applying it is applied now. An event kept in the events table
 * notes the replay there (and is marked applied); a record's event is noted in the history
 * table only.
 */
export async function replayJustWalletEvent(stored: KeptJustWalletEvent, deps: JustWalletReplayDeps): Promise<EventOutcome> {
  const event = parseStoredJustWalletEvent(stored);
  const now = new Date(deps.clock.now()).toISOString();
  const outcome = await applyJustWalletEvent(event, { receivedAt: stored.receivedAt, now }, deps);
  if (!stored.record) {
    if (event.kind === 'change') await markApplied(deps, stored.eventKey, outcome === 'duplicate' ? 'applied' : outcome, now);
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.events.tableName,
        Key: { eventKey: stored.eventKey },
        UpdateExpression: 'SET replayedAt = :at, replayOutcome = :outcome ADD replays :one',
        ConditionExpression: 'attribute_exists(eventKey)',
        ExpressionAttributeValues: { ':at': now, ':outcome': outcome, ':one': 1 },
      }),
    );
  }
  return outcome;
}

/** A kept Just Wallet event has had its effect: a redelivery from now on is a duplicate (a mark already there stays). */
async function markApplied(deps: JustWalletReplayDeps, eventKey: string, outcome: EventOutcome, appliedAt: string): Promise<void> {
  await deps.db
    .send(
      new UpdateCommand({
        TableName: deps.events.tableName,
        Key: { eventKey },
        UpdateExpression: 'SET appliedAt = :appliedAt, outcome = :outcome',
        ConditionExpression: 'attribute_exists(eventKey) AND attribute_not_exists(appliedAt)',
        ExpressionAttributeValues: { ':appliedAt': appliedAt, ':outcome': outcome },
      }),
    )
    .catch((error: unknown) => {
      // Marked already (by its delivery, or another replay): same effect.
      if (!isConditionalCheckFailed(error)) throw error;
    });
}

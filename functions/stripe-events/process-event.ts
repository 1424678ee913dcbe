import { randomUUID } from 'node:crypto';
import type { StoredAnswer } from '../shared/ledger.js';
import { applyAccount } from './apply-account.js';
import type { ApplyDeps, ApplyOutcome } from './apply-deps.js';
import {
  applyCharge,
  applyCheckoutSession,
  applyDispute,
  applyEarlyFraudWarning,
  applyPaymentIntent,
  applyRefund,
} from './apply-payment.js';
import { applyMovement, payoutMovement, transferMovement } from './apply-payout.js';
import { applyFile, applyReportRun, applyReportType } from './apply-reporting.js';
import { eventKey, type NewStripeEvent, type StripeEventStore } from './event-store.js';
import { RecordFull, type EventStamp } from './record-entries.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';
import { packBody } from '../shared/event-body.js';
import type { StripeEvent } from './schemas.js';

export interface ProcessDeps extends ApplyDeps {
  events: StripeEventStore;
  /** How long an event id is remembered (events table TTL). */
  retentionSeconds: number;
  /** How long one delivery holds an event before a redelivery may apply it again. */
  leaseMs: number;
}

/**
 * One verified, parsed event, exactly once, then answered 200; its common path is one
 * DynamoDB write:
 *
 * - An event that moves records (payments, refunds, disputes, a merchant's payouts…) is
 *   applied by one conditional update per record, which also records the event (its key and
 *   raw body, packed) in the record: a redelivery, or a retry whose write landed unanswered,
 *   is answered from the record as it was (`duplicate`). A record with no room left for
 *   another body sends the event down the third path.
 * - An event that moves nothing (another mode's, an unknown type) is one conditional put in
 *   the events table, with its outcome.
 * - An event that moves the ledger or the recipients (the platform's payouts, transfers and
 *   account updates) is stored and claimed by its id, applied, marked applied: the ledger
 *   needs reading first, and a payout still being paid defers the event (503, Stripe
 *   retries). One that arrives while another delivery holds it is answered 409.
 */
export async function processStripeEvent(event: StripeEvent, rawBody: string, deps: ProcessDeps): Promise<StoredAnswer> {
  const route = routeOf(event, deps);
  // One time for the delivery: an event one record took before another had no room is kept in
  // both, and the same receivedAt puts both copies at one place in the console's pages (listed once).
  const receivedAt = new Date(deps.clock.now()).toISOString();
  if (route === 'record') {
    const answer = await applyRecorded(event, rawBody, deps, receivedAt);
    if (answer) return answer;
  } else if (route === 'store') {
    const answer = await storeOnly(event, rawBody, deps);
    if (answer) return answer;
  }
  return claimAndApply(event, rawBody, deps, receivedAt);
}

/** How an event is kept and applied (see processStripeEvent). */
export type EventRoute = 'record' | 'store' | 'claim';

export function routeOf({ envelope, parsed }: StripeEvent, deps: Pick<ApplyDeps, 'livemode' | 'sourceId'>): EventRoute {
  if (envelope.livemode !== deps.livemode) return 'store';
  const platform = deps.sourceId === PLATFORM_SOURCE_ID;
  switch (parsed.kind) {
    case 'unknown':
      return 'store';
    case 'account':
      return platform ? 'claim' : 'store';
    case 'payout':
    case 'transfer':
      return platform ? 'claim' : 'record';
    default:
      return 'record';
  }
}

/** The event written into the records it moves; undefined when one has no room for it (RecordFull). */
async function applyRecorded(
  event: StripeEvent,
  rawBody: string,
  deps: ProcessDeps,
  receivedAt: string,
): Promise<StoredAnswer | undefined> {
  const { envelope } = event;
  const stamp: EventStamp = {
    eventKey: eventKey(envelope.id, deps.sourceId),
    receivedAt,
    body: packBody(rawBody, 'stripe-v1'),
  };
  let result: ApplyOutcome;
  try {
    result = await applyEvent(event, { ...deps, records: deps.records.stamped(stamp) });
  } catch (error) {
    if (!(error instanceof RecordFull)) throw error;
    deps.logger.info('Stripe event kept in the events table: its record has no room left', { reason: error.message });
    return undefined;
  }
  if (result.duplicate) return duplicateAnswer(envelope.id, result.outcome, deps);
  return appliedAnswer(event, result, 'record', deps);
}

/** An event that moves nothing, kept with its outcome in one put; undefined if an unfinished claim of it is there already. */
async function storeOnly(event: StripeEvent, rawBody: string, deps: ProcessDeps): Promise<StoredAnswer | undefined> {
  const result = await applyEvent(event, deps);
  const stored = await deps.events.storeApplied(newEvent(event, rawBody, deps), result.outcome, result.detail);
  if (!stored.stored) return stored.existing.appliedAt ? duplicateAnswer(event.envelope.id, stored.existing.outcome, deps) : undefined;
  return appliedAnswer(event, result, 'store', deps);
}

async function claimAndApply(event: StripeEvent, rawBody: string, deps: ProcessDeps, receivedAt: string): Promise<StoredAnswer> {
  const { envelope } = event;
  const nowMs = deps.clock.now();
  const token = randomUUID();
  const claim = await deps.events.claim(newEvent(event, rawBody, deps, receivedAt), token, nowMs, deps.leaseMs);
  if (claim.kind === 'applied') return duplicateAnswer(envelope.id, claim.existing.outcome, deps);
  if (claim.kind === 'in_flight') {
    deps.onMetric?.('StripeEvent_in_flight');
    return {
      statusCode: 409,
      body: {
        error: 'event_in_flight',
        message: 'Another delivery of this event is being applied; Stripe will retry.',
        eventId: envelope.id,
      },
    };
  }

  const held = await applyHeld(event, token, deps, (result) =>
    deps.events.markApplied(envelope.id, token, result.outcome, result.detail, new Date(deps.clock.now())),
  );
  if (held.kind === 'deferred') {
    deps.onMetric?.(`StripeEvent_${held.reason}`);
    deps.logger.info('Stripe event deferred; Stripe will deliver it again', { reason: held.reason });
    return { statusCode: 503, body: { error: held.reason, message: held.message, eventId: envelope.id } };
  }
  if (!held.marked) deps.logger.warn('Another delivery took this event over before it was marked applied; both applied it (harmlessly)');
  return appliedAnswer(event, held.result, claim.redelivery ? 'redelivery' : 'claim', deps);
}

function newEvent({ envelope }: StripeEvent, rawBody: string, deps: ProcessDeps, receivedAt?: string): NewStripeEvent {
  const nowMs = deps.clock.now();
  return {
    provider: 'stripe',
    eventId: envelope.id,
    type: envelope.type,
    account: envelope.account,
    livemode: envelope.livemode,
    apiVersion: envelope.api_version ?? undefined,
    created: envelope.created,
    objectId: envelope.data.object.id,
    receivedAt: receivedAt ?? new Date(nowMs).toISOString(),
    payload: rawBody,
    expiresAt: Math.floor(nowMs / 1000) + deps.retentionSeconds,
  };
}

function duplicateAnswer(eventId: string, outcome: string | undefined, deps: ProcessDeps): StoredAnswer {
  deps.onMetric?.('StripeEvent_duplicate');
  deps.logger.info('Duplicate Stripe event; already applied', { outcome });
  return { statusCode: 200, body: { received: true, eventId, duplicate: true, outcome } };
}

function appliedAnswer({ envelope }: StripeEvent, result: ApplyOutcome, kept: string, deps: ProcessDeps): StoredAnswer {
  deps.onMetric?.(`StripeEvent_${result.outcome}`);
  deps.logger.info('Stripe event processed', { outcome: result.outcome, detail: result.detail, kept });
  return {
    statusCode: 200,
    body: {
      received: true,
      eventId: envelope.id,
      type: envelope.type,
      outcome: result.outcome,
      ...(result.detail ? { detail: result.detail } : {}),
    },
  };
}

export type Held = { kind: 'done'; result: ApplyOutcome; marked: boolean } | { kind: 'deferred'; reason: string; message: string };

/**
 * Applies an event this caller holds (a delivery's claim or a replay's), then lets go of it:
 * marked done, or released unapplied so Stripe's next delivery applies it.
 */
export async function applyHeld(
  event: StripeEvent,
  token: string,
  deps: ApplyDeps & Pick<ProcessDeps, 'events'>,
  markDone: (result: ApplyOutcome) => Promise<boolean>,
): Promise<Held> {
  const eventId = event.envelope.id;
  let result: ApplyOutcome;
  try {
    result = await applyEvent(event, deps);
  } catch (error) {
    await deps.events.release(eventId, token, 'internal_error').catch(() => false);
    throw error;
  }
  if (result.retryLater) {
    await deps.events.release(eventId, token, result.retryLater.reason);
    return { kind: 'deferred', ...result.retryLater };
  }
  return { kind: 'done', result, marked: await markDone(result) };
}

/**
 * Each kind of object to the function that applies it; any other type, and any event of the
 * other Stripe mode than the gateway's, is stored only.
 */
export function applyEvent({ envelope, parsed }: StripeEvent, deps: ApplyDeps): Promise<ApplyOutcome> {
  if (envelope.livemode !== deps.livemode) {
    const mode = (live: boolean) => (live ? 'live' : 'test');
    return Promise.resolve({
      outcome: 'other_mode',
      detail: `a ${mode(envelope.livemode)}-mode event on a ${mode(deps.livemode)}-mode gateway; stored only`,
    });
  }
  switch (parsed.kind) {
    case 'payout':
      return applyMovement(envelope, payoutMovement(envelope, parsed.object), deps);
    case 'transfer':
      return applyMovement(envelope, transferMovement(envelope, parsed.object), deps);
    case 'payment_intent':
      return applyPaymentIntent(envelope, parsed.object, deps);
    case 'charge':
      return applyCharge(envelope, parsed.object, deps);
    case 'refund':
      return applyRefund(envelope, parsed.object, deps);
    case 'dispute':
      return applyDispute(envelope, parsed.object, deps);
    case 'early_fraud_warning':
      return applyEarlyFraudWarning(envelope, parsed.object, deps);
    case 'checkout_session':
      return applyCheckoutSession(envelope, parsed.object, deps);
    case 'account':
      return applyAccount(envelope, parsed.object, deps);
    case 'file':
      return applyFile(envelope, parsed.object, deps);
    case 'report_run':
      return applyReportRun(envelope, parsed.object, deps);
    case 'report_type':
      return applyReportType(envelope, parsed.object, deps);
    case 'unknown':
      return Promise.resolve({ outcome: 'ignored', detail: `${envelope.type} is not an event the gateway acts on; stored only` });
  }
}

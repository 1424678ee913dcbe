import { randomUUID } from 'node:crypto';
import { packBody, type Move, type RecordOutcome } from '../shared/record-model.js';
import { eventKey, type KeptStripeEvent, type NewStripeEvent, type RecordRef, type StripeEventStore } from './event-store.js';
import { entryOf, eventOfRecord, RecordFull, recordRefs, type RecordWithEvents } from './record-entries.js';
import type { StripeRecordStore, RecordChange, RecordResult } from './record-store.js';
import type { StripeEvent, Envelope } from './event.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';
import type { Clock } from '../shared/clock.js';
import type { RecipientStore } from '../shared/recipients.js';
import type { Logger } from '../shared/telemetry.js';
import type { ReportFetchDeps } from '../reports/fetch-report.js';
import type { LedgerEvents } from './ledger-events.js';

/**
 * The Stripe route's inbox: where a verified event is kept, and how it is settled, exactly
 * once. It keeps an event in one of two places, and finds it in either (findStripeEvent):
 *
 * - `record`: an event that moves records (payments, refunds, disputes, a merchant's payouts…)
 *   is kept in the records it moves: each record's one conditional update applies the change
 *   and records the event (its key and packed body), so a redelivery, or a retry whose write
 *   landed unanswered, is recognised by the record as it was (`duplicate`). A record with no
 *   room left for another body sends the event to `claim`.
 * - `store`: an event that moves nothing (another mode's, an unknown type) is one conditional
 *   put in the events table, with its outcome.
 * - `claim`: an event that moves the ledger or the recipients (the platform's payouts,
 *   transfers and account updates) is its own item in the events table, claimed for a lease,
 *   applied, then marked applied or released (a payout still being paid defers it).
 *
 * The inbox also holds the contract with the functions that apply an event (process-event.ts):
 * what they are given (`StripeDeps`, the route's one set of dependencies), what they answer
 * (`ApplyOutcome`), and how they change a record from the event (`changeRecord`, `recordOutcome`).
 */
export type EventRoute = 'record' | 'store' | 'claim';

/**
 * The one set of dependencies of the Stripe route, passed from the wiring to every function on
 * an event's way: the stores it keeps and writes, its settings, a clock, and telemetry.
 */
export interface StripeDeps {
  /**
   * The source the event came from (`platform`, or a merchant source). Only the platform's
   * events touch the cash-out ledger and the recipients; `records` are that source's.
   */
  sourceId: string;
  ledger: LedgerEvents;
  records: StripeRecordStore;
  recipients: RecipientStore;
  /** Where an event that moves no record, or moves the ledger, is kept (the events table). */
  events: StripeEventStore;
  /** How long an event id is remembered (events table TTL). */
  retentionSeconds: number;
  /** How long one delivery holds an event before a redelivery may apply it again. */
  leaseMs: number;
  clock: Clock;
  logger: Logger;
  /**
   * The gateway's own Stripe mode (from its key: STRIPE_MODE). Stripe delivers test-mode events
   * of connected accounts to live Connect endpoints: only events of this mode are applied.
   */
  livemode: boolean;
  /** Gives back what a cash-out took of the limits (idempotent); absent: nothing is given back, which only holds limits longer. */
  limits?: { release(cashOutId: string): Promise<unknown> };
  /** Counts one occurrence of a named metric (e.g. PayoutFailedAfterPaid). */
  onMetric?: (name: string) => void;
  /** Where a succeeded report run's file is fetched to; without it, report runs are only recorded. */
  reports?: ReportFetchDeps;
}

/**
 * What applying an event did. `applied`: state moved (or a record was created); `stale`: an
 * older or repeated event, nothing changed; `ignored`: nothing to do; `anomaly`: recorded,
 * and logged for an operator; `other_mode`: a test-mode event on a live gateway or the reverse,
 * stored only. `retryLater`: not applied now, answered 5xx so Stripe redelivers.
 */
export interface ApplyOutcome {
  outcome: Exclude<RecordOutcome, 'duplicate'> | 'ignored' | 'anomaly' | 'other_mode';
  detail?: string;
  /** The status moves it made (a record's, a ledger item's), as data: `detail` says them in words. */
  moves?: Move[];
  retryLater?: { reason: string; message: string };
  /** This very event was recorded before (a stamped store): `outcome` is what it did then, and nothing changed now. */
  duplicate?: boolean;
}

/** What became of one delivery. */
export type Taken =
  | { kind: 'applied'; result: ApplyOutcome; kept: 'record' | 'store' | 'claim' | 'redelivery' }
  | { kind: 'duplicate'; outcome?: string }
  | { kind: 'in_flight' }
  | { kind: 'deferred'; reason: string; message: string };

/** Applies an event with the given stores (the route's applyEvent). */
export type Apply = (event: StripeEvent, deps: StripeDeps) => Promise<ApplyOutcome>;

export function routeOf({ envelope, parsed }: StripeEvent, deps: Pick<StripeDeps, 'livemode' | 'sourceId'>): EventRoute {
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

/** One delivery of a verified event: kept where its route says, applied by `apply` at most once, settled. */
export async function takeStripeEvent(event: StripeEvent, rawBody: string, deps: StripeDeps, apply: Apply): Promise<Taken> {
  const route = routeOf(event, deps);
  // One time for the delivery: an event one record took before another had no room is kept in
  // both, and the same receivedAt puts both copies at one place in the console's pages (listed once).
  const receivedAt = new Date(deps.clock.now()).toISOString();
  const taken =
    route === 'record'
      ? await keepInRecords(event, rawBody, deps, receivedAt, apply)
      : route === 'store'
        ? await keepWithOutcome(event, rawBody, deps, apply)
        : undefined;
  return taken ?? claimAndApply(event, rawBody, deps, receivedAt, apply);
}

/** The event written into the records it moves; undefined when one has no room for it (RecordFull). */
async function keepInRecords(event: StripeEvent, rawBody: string, deps: StripeDeps, receivedAt: string, apply: Apply) {
  const stamp = { eventKey: eventKey(event.envelope.id, deps.sourceId), receivedAt, body: packBody(rawBody, 'stripe-v1') };
  let result: ApplyOutcome;
  try {
    result = await apply(event, { ...deps, records: deps.records.stamped(stamp) });
  } catch (error) {
    if (!(error instanceof RecordFull)) throw error;
    deps.logger.info('Stripe event kept in the events table: its record has no room left', { reason: error.message });
    return undefined;
  }
  return result.duplicate ? duplicate(result.outcome) : applied(result, 'record');
}

/** An event that moves nothing, kept with its outcome in one put; undefined if an unfinished claim of it is there already. */
async function keepWithOutcome(event: StripeEvent, rawBody: string, deps: StripeDeps, apply: Apply): Promise<Taken | undefined> {
  const result = await apply(event, deps);
  const stored = await deps.events.storeApplied(newEvent(event, rawBody, deps), result.outcome, result.detail);
  if (!stored.stored) return stored.existing.appliedAt ? duplicate(stored.existing.outcome) : undefined;
  return applied(result, 'store');
}

async function claimAndApply(event: StripeEvent, rawBody: string, deps: StripeDeps, receivedAt: string, apply: Apply): Promise<Taken> {
  const eventId = event.envelope.id;
  const nowMs = deps.clock.now();
  const token = randomUUID();
  const claim = await deps.events.claim(newEvent(event, rawBody, deps, receivedAt), token, nowMs, deps.leaseMs);
  if (claim.kind === 'applied') return duplicate(claim.existing.outcome);
  if (claim.kind === 'in_flight') return { kind: 'in_flight' };
  const held = await applyHeld(event, token, deps, apply, (result) =>
    deps.events.markApplied(eventId, token, result.outcome, result.detail, new Date(deps.clock.now())),
  );
  if (held.kind === 'deferred') return held;
  if (!held.marked) deps.logger.warn('Another delivery took this event over before it was marked applied; both applied it (harmlessly)');
  return applied(held.result, claim.redelivery ? 'redelivery' : 'claim');
}

const duplicate = (outcome: string | undefined): Taken => ({ kind: 'duplicate', outcome });
const applied = (result: ApplyOutcome, kept: Extract<Taken, { kind: 'applied' }>['kept']): Taken => ({ kind: 'applied', result, kept });

/** The event as its own item of the events table. */
function newEvent({ envelope }: StripeEvent, rawBody: string, deps: StripeDeps, receivedAt?: string): NewStripeEvent {
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

export type Held = { kind: 'done'; result: ApplyOutcome; marked: boolean } | { kind: 'deferred'; reason: string; message: string };

/**
 * Applies an event this caller holds in the events table (a delivery's claim or an operator's
 * replay), then lets go of it: marked done, or released unapplied so Stripe's next delivery
 * applies it.
 */
export async function applyHeld(
  event: StripeEvent,
  token: string,
  deps: StripeDeps,
  apply: Apply,
  markDone: (result: ApplyOutcome) => Promise<boolean>,
): Promise<Held> {
  const eventId = event.envelope.id;
  let result: ApplyOutcome;
  try {
    result = await apply(event, deps);
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

/** The event fields every record keeps: which event last set it. */
export const eventRef = (envelope: Envelope) => ({ id: envelope.id, type: envelope.type, created: envelope.created });

/** A record's change from this event, applied now (the event's ref filled in). */
export const changeRecord = <S extends string>(envelope: Envelope, deps: StripeDeps, change: Omit<RecordChange<S>, 'event'>) =>
  deps.records.apply({ ...change, event: eventRef(envelope) }, new Date(deps.clock.now()));

/** `applied` or `stale`, with the record's state either way; a duplicate says so. */
export function recordOutcome(label: string, result: RecordResult, status: string): ApplyOutcome {
  if (result.applied) {
    const from = result.previous?.status;
    return { outcome: 'applied', detail: `${label}: ${from ?? '(new)'} → ${status}`, moves: [{ from, to: status }] };
  }
  if (result.duplicate)
    return {
      outcome: result.firstOutcome,
      duplicate: true,
      detail: `${label}: this event was recorded before (now ${result.current.status})`,
    };
  return {
    outcome: 'stale',
    detail: `${label}: stays ${result.current?.status ?? '?'} (event older than the state, or a move back from it)`,
  };
}

/**
 * Several records from one event: applied if any was now; a duplicate only if every record had
 * recorded it (a redelivery after a crash between two records applies the one that had not).
 */
export function combine(outcomes: ApplyOutcome[]): ApplyOutcome {
  const detail = outcomes
    .map((item) => item.detail)
    .filter(Boolean)
    .join('; ');
  const all = outcomes.flatMap((item) => item.moves ?? []);
  const moves = all.length > 0 ? all : undefined;
  const now = outcomes.filter((item) => !item.duplicate);
  if (outcomes.length > 0 && now.length === 0)
    return {
      outcome: outcomes.some((item) => item.outcome === 'applied') ? 'applied' : outcomes[0]!.outcome,
      duplicate: true,
      detail,
      ...(moves && { moves }),
    };
  const applied = now.some((item) => item.outcome === 'applied');
  return { outcome: applied ? 'applied' : (now[0]?.outcome ?? 'ignored'), detail, ...(moves && { moves }) };
}

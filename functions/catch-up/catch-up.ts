import { wasApplied } from '../stripe-events/inbox.js';
import { processStripeEvent } from '../stripe-events/process-event.js';
import type { StripeDeps } from '../stripe-events/inbox.js';
import { parseStripeEvent, type StripeEvent } from '../stripe-events/event.js';
import { forSource } from '../stripe-events/source-scope.js';

/** Stripe keeps events for 30 days; older ones cannot be listed. */
export const STRIPE_EVENT_DAYS = 30;
/** Stripe's limit on `types[]` in one list call. */
export const MAX_TYPES_PER_CALL = 20;

const DAY_MS = 86_400_000;

export interface EventQuery {
  /** Unix seconds: `created[gte]`. */
  createdGte: number;
  /** Unix seconds: `created[lt]`, to import a long history in slices. */
  createdLt?: number;
  /** At most MAX_TYPES_PER_CALL. */
  types: readonly string[];
  /** A connected account's events (`Stripe-Account`); else the key's own account's. */
  stripeAccount?: string;
}

/** Lists events through Stripe's API, every page (newest first, as Stripe lists them). */
export interface EventLister {
  list(query: EventQuery): AsyncIterable<unknown>;
}

/** A source as catch-up sees it: how to list its events, or why it cannot. */
export interface CatchUpSource {
  sourceId: string;
  lister?: EventLister;
  /** Why it is not listed (disabled, no API key). */
  skipped?: string;
  /** The platform: its connected accounts with cash-outs in the window are listed too. */
  connectedAccounts?: boolean;
}

export interface CatchUpDeps extends StripeDeps {
  /** The sources to catch up: one (`only`), or the platform and every merchant source. */
  sources(only?: string): Promise<CatchUpSource[]>;
  /** Connected accounts whose cash-outs may have had Stripe events since then (unix seconds). */
  connectedAccounts(sinceSeconds: number): Promise<string[]>;
  /** The event types the gateway acts on. */
  eventTypes: readonly string[];
}

export interface CatchUpOptions {
  /** Epoch ms; clamped to Stripe's 30 days. */
  since: number;
  /** Epoch ms: only events created before it (a slice of a long import); else up to now. */
  until?: number;
  sourceId?: string;
  /** Epoch ms after which nothing more is started (the Lambda's timeout, less a margin). */
  deadlineAt?: number;
}

export interface Counts {
  fetched: number;
  alreadyApplied: number;
  applied: number;
  /** Being applied by a webhook delivery right now, or about a cash-out still being paid: the next run (or Stripe) applies them. */
  deferred: number;
  failed: number;
}

export interface Failure {
  sourceId: string;
  account?: string;
  eventId?: string;
  reason: string;
}

export interface ListSummary extends Counts {
  sourceId: string;
  account?: string;
  skipped?: string;
}

export interface CatchUpSummary {
  /** ISO: where listing started. */
  since: string;
  /** ISO: where it stopped, when `until` was given. */
  until?: string;
  /** Set when the caller asked for more than Stripe keeps: what was asked. */
  requestedSince?: string;
  lists: ListSummary[];
  totals: Counts;
  failures: Failure[];
}

const zero = (): Counts => ({ fetched: 0, alreadyApplied: 0, applied: 0, deferred: 0, failed: 0 });

/**
 * Lists the events of the types the gateway acts on, created since `since`, for each source
 * (and, for the platform, each connected account with cash-outs in the window), and applies
 * every one not applied yet through the code the webhook runs. A list that cannot be read in
 * full is not applied at all (the next run lists it again); each event is applied whole or
 * not at all, exactly as a webhook delivery is.
 */
export async function catchUp(deps: CatchUpDeps, options: CatchUpOptions): Promise<CatchUpSummary> {
  const oldest = deps.clock.now() - STRIPE_EVENT_DAYS * DAY_MS;
  const since = Math.max(options.since, oldest);
  const createdGte = Math.floor(since / 1000);
  const createdLt = options.until === undefined ? undefined : Math.ceil(options.until / 1000);
  const lists: ListSummary[] = [];
  const failures: Failure[] = [];

  for (const source of await deps.sources(options.sourceId)) {
    if (!source.lister) {
      lists.push({ sourceId: source.sourceId, skipped: source.skipped ?? 'cannot be listed', ...zero() });
      continue;
    }
    const scoped = forSource(deps, source.sourceId);
    const accounts: (string | undefined)[] = [undefined];
    if (source.connectedAccounts) {
      try {
        accounts.push(...(await deps.connectedAccounts(createdGte)));
      } catch (error) {
        failures.push({ sourceId: source.sourceId, reason: `could not find the connected accounts with cash-outs: ${messageOf(error)}` });
        lists.push({ sourceId: source.sourceId, account: '(connected accounts)', ...zero(), failed: 1 });
      }
    }
    for (const account of accounts) {
      lists.push(
        await catchUpList(
          scoped,
          source.lister,
          { createdGte, ...(createdLt === undefined ? {} : { createdLt }), stripeAccount: account },
          failures,
          options.deadlineAt,
        ),
      );
    }
  }

  const totals = zero();
  for (const list of lists) for (const key of Object.keys(totals) as (keyof Counts)[]) totals[key] += list[key];
  return {
    since: new Date(since).toISOString(),
    ...(options.until === undefined ? {} : { until: new Date(options.until).toISOString() }),
    ...(options.since < oldest ? { requestedSince: new Date(options.since).toISOString() } : {}),
    lists,
    totals,
    failures,
  };
}

async function catchUpList(
  deps: CatchUpDeps,
  lister: EventLister,
  query: Omit<EventQuery, 'types'>,
  failures: Failure[],
  deadlineAt: number | undefined,
): Promise<ListSummary> {
  const summary: ListSummary = { sourceId: deps.sourceId, ...(query.stripeAccount ? { account: query.stripeAccount } : {}), ...zero() };
  const fail = (reason: string, eventId?: string) => {
    summary.failed += 1;
    failures.push({
      sourceId: deps.sourceId,
      ...(query.stripeAccount ? { account: query.stripeAccount } : {}),
      ...(eventId ? { eventId } : {}),
      reason,
    });
    deps.logger.error('Catch-up could not apply', {
      sourceId: deps.sourceId,
      stripeAccount: query.stripeAccount,
      stripeEventId: eventId,
      reason,
    });
  };
  const outOfTime = () => deadlineAt !== undefined && deps.clock.now() >= deadlineAt;
  if (outOfTime()) {
    fail('out of time before listing; the next run lists it');
    return summary;
  }

  let events: unknown[];
  try {
    events = await listAll(lister, query, deps.eventTypes);
  } catch (error) {
    // Nothing of a list read in part is applied: the next run reads it whole.
    fail(`listing events failed: ${messageOf(error)}`);
    return summary;
  }
  summary.fetched = events.length;

  for (const [index, raw] of events.entries()) {
    if (outOfTime()) {
      fail(`out of time with ${events.length - index} event(s) of this list not looked at; the next run applies them`);
      return summary;
    }
    const result = await applyListed(deps, raw, query.stripeAccount);
    if (result.outcome === 'failed') fail(result.reason, result.eventId);
    else summary[result.outcome] += 1;
  }
  return summary;
}

/** Every page of every batch of types, oldest first (events of one second in the order Stripe created them). */
async function listAll(lister: EventLister, query: Omit<EventQuery, 'types'>, types: readonly string[]): Promise<unknown[]> {
  const byId = new Map<string, { event: unknown; created: number; position: number }>();
  let position = 0;
  for (let start = 0; start < types.length; start += MAX_TYPES_PER_CALL) {
    for await (const event of lister.list({ ...query, types: types.slice(start, start + MAX_TYPES_PER_CALL) })) {
      const { id, created } = (event ?? {}) as { id?: unknown; created?: unknown };
      const key = typeof id === 'string' ? id : `#${position}`;
      byId.set(key, { event, created: typeof created === 'number' ? created : 0, position: position++ });
    }
  }
  // Stripe lists newest first: a later position is an older event.
  return [...byId.values()].sort((a, b) => a.created - b.created || b.position - a.position).map((entry) => entry.event);
}

type Applied = { outcome: 'alreadyApplied' | 'applied' | 'deferred' } | { outcome: 'failed'; reason: string; eventId?: string };

/** One listed event, through the same parse step and the same processing as a webhook delivery (no signature: it came from Stripe's API with our key). */
async function applyListed(deps: CatchUpDeps, raw: unknown, stripeAccount: string | undefined): Promise<Applied> {
  // A connected account's event, listed with Stripe-Account, is that account's.
  const json = stripeAccount && isObject(raw) && raw.account === undefined ? { ...raw, account: stripeAccount } : raw;
  const eventId = isObject(json) && typeof json.id === 'string' ? json.id : undefined;
  let event: StripeEvent;
  try {
    event = parseStripeEvent(json);
  } catch (error) {
    return { outcome: 'failed', reason: messageOf(error), eventId };
  }
  if (stripeAccount && event.envelope.account !== stripeAccount) {
    return { outcome: 'failed', reason: `listed for ${stripeAccount} but names account ${event.envelope.account}`, eventId };
  }
  deps.logger.appendKeys({ stripeEventId: event.envelope.id, stripeEventType: event.envelope.type, stripeAccount: event.envelope.account });
  try {
    if (await wasApplied(deps, event)) return { outcome: 'alreadyApplied' };
    const answer = await processStripeEvent(event, JSON.stringify(json), deps);
    if (answer.statusCode === 200) return { outcome: answer.body.duplicate ? 'alreadyApplied' : 'applied' };
    if (answer.statusCode === 409 || answer.statusCode === 503) return { outcome: 'deferred' };
    return { outcome: 'failed', reason: `answered ${answer.statusCode} ${String(answer.body.error ?? '')}`.trim(), eventId };
  } catch (error) {
    return { outcome: 'failed', reason: messageOf(error), eventId };
  } finally {
    deps.logger.removeKeys(['stripeEventId', 'stripeEventType', 'stripeAccount']);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import type { KeptJustWalletEvent } from '../functions/just-wallet/inbox.js';
import type { Clock } from '../functions/shared/clock.js';
import { HttpError, ValidationError } from '../functions/shared/errors.js';
import type { HistoryStore } from '../functions/shared/history.js';
import type { StripeDeps } from '../functions/stripe-events/inbox.js';
import type { KeptStripeEvent, RecordRef } from '../functions/stripe-events/event-store.js';
import { forSource } from '../functions/stripe-events/source-scope.js';
import { applyEvent } from '../functions/stripe-events/process-event.js';
import {
  applyJustWalletEvent,
  parseStoredJustWalletEvent,
  parseStoredStripeEvent,
  replayAnswer,
  replayJustWalletEvent,
  replayStripeEvent,
  type JustWalletReplayDeps,
  type ReplayAnswer,
  type ReplayDeps,
} from './replay-events.js';
import type { EventFilter, EventRow } from './event-rows.js';
import type { EventReads } from './events.js';

/** The history's subject for one event's entries (its replays). */
export const eventSubject = (eventKey: string) => `event#${eventKey}`;

export interface ReplayTools {
  events: EventReads;
  /** The routes' own stores, for a replay. */
  stripe: ReplayDeps;
  justWallet: JustWalletReplayDeps;
  /** The same stores over a dry-run client (writes only checked), for "what would change". */
  preview: { stripe: StripeDeps; justWallet: JustWalletReplayDeps };
  history: HistoryStore;
  who: string;
  clock: Clock;
}

export interface ReplayResult {
  eventKey: string;
  provider: string;
  type: string;
  /** What applying did (or would do): applied, stale, ignored, anomaly, duplicate…; `error` if it could not run. */
  outcome: string;
  detail?: string;
  /** Whether state moved (or would): a record or ledger item written. */
  changed: boolean;
  dryRun: boolean;
}

/**
 * Whether state moved. A Stripe event writes when applied, or when it records an anomaly; one
 * applied again to the status it set (`paid → paid`) rewrites the same state, which is no
 * change (its moves say so; an application without a status move, such as an account's
 * recipients, is a change). A Just Wallet event writes its record when applied, or when it
 * comes late (`stale`: kept in the record's history).
 */
function changedState(provider: string, answer: ReplayAnswer): boolean {
  if (provider !== 'stripe') return answer.outcome === 'applied' || answer.outcome === 'stale';
  if (answer.outcome !== 'applied' && answer.outcome !== 'anomaly') return false;
  const moves = answer.moves ?? [];
  return moves.length === 0 || moves.some((move) => move.from !== move.to);
}

/**
 * Replays one stored event through the route's own apply code (see replayStripeEvent and
 * replayJustWalletEvent), or, as a dry run, shows what it would change and writes nothing.
 * A replay (not a dry run) is written into the history table with who, when and the note.
 */
export async function replayEvent(
  eventKey: string,
  tools: ReplayTools,
  options: { dryRun: boolean; note?: string; record?: RecordRef },
): Promise<ReplayResult> {
  const stored = await tools.events.get(eventKey, options.record);
  if (!stored) throw new HttpError(404, 'event_not_found', `No event ${eventKey} (events are kept for 30 days).`);
  let answer: ReplayAnswer;
  try {
    answer =
      stored.provider === 'stripe'
        ? await replayStripe(stored, tools, options.dryRun)
        : await replayJustWallet(stored, tools, options.dryRun);
  } catch (error) {
    answer = { outcome: 'error', detail: (error as Error).message };
  }
  const result: ReplayResult = {
    eventKey,
    provider: stored.provider,
    type: stored.type,
    outcome: answer.outcome,
    ...(answer.detail !== undefined && { detail: answer.detail }),
    changed: changedState(stored.provider, answer),
    dryRun: options.dryRun,
  };
  if (!options.dryRun) {
    await tools.history.append(
      eventSubject(eventKey),
      {
        who: tools.who,
        action: 'replay',
        outcome: result.outcome,
        result: describeReplay(result),
        eventKey,
        ...(options.note ? { note: options.note } : {}),
      },
      new Date(tools.clock.now()),
    );
  }
  return result;
}

export interface BulkReplay {
  /** How many events matched (at most `limit` + 1: more than `limit` means "too many"). */
  matched: number;
  tooMany: boolean;
  results: ReplayResult[];
}

/**
 * Replays every stored event matching a filter, oldest first, one at a time. A time window
 * (`from`) is required, so a slip cannot replay a month of events; past `limit` matches a
 * replay is refused and a dry run shows the first `limit`.
 */
export async function replayMatching(
  filter: EventFilter,
  tools: ReplayTools,
  options: { dryRun: boolean; limit: number; note?: string },
): Promise<BulkReplay> {
  if (!filter.from)
    throw new ValidationError('window_required', 'A bulk replay needs the start of a time window (--since, or From on the page).');
  const rows = await tools.events.matching(filter, options.limit + 1);
  const tooMany = rows.length > options.limit;
  if (tooMany && !options.dryRun) {
    throw new HttpError(
      409,
      'too_many_events',
      `More than ${options.limit} events match; narrow the filter or the window (nothing was replayed).`,
    );
  }
  const oldestFirst = rows
    .slice(0, options.limit)
    .sort((a: EventRow, b: EventRow) => a.receivedAt.localeCompare(b.receivedAt) || a.eventKey.localeCompare(b.eventKey));
  const results: ReplayResult[] = [];
  for (const row of oldestFirst) results.push(await replayEvent(row.eventKey, tools, { ...options, record: row.record }));
  return { matched: rows.length, tooMany, results };
}

export function describeReplay(result: ReplayResult): string {
  const verb = result.dryRun ? (result.changed ? 'would change' : 'would change nothing') : result.changed ? 'changed' : 'changed nothing';
  return `${result.outcome} (${verb})${result.detail ? `: ${result.detail}` : ''}`;
}

async function replayStripe(stored: KeptStripeEvent, tools: ReplayTools, dryRun: boolean): Promise<ReplayAnswer> {
  if (!dryRun) return replayStripeEvent(stored, tools.stripe);
  return replayAnswer(await applyEvent(parseStoredStripeEvent(stored), forSource(tools.preview.stripe, stored.sourceId)));
}

async function replayJustWallet(stored: KeptJustWalletEvent, tools: ReplayTools, dryRun: boolean): Promise<ReplayAnswer> {
  const event = parseStoredJustWalletEvent(stored);
  const detail = event.kind === 'change' ? `${event.change.lifecycle.kind} ${event.change.id}: ${event.change.status}` : undefined;
  if (!dryRun) return { outcome: await replayJustWalletEvent(stored, tools.justWallet), detail };
  const now = new Date(tools.clock.now()).toISOString();
  return { outcome: await applyJustWalletEvent(event, { receivedAt: stored.receivedAt, now }, tools.preview.justWallet), detail };
}

import { cashOutSubject, type HistoryEntry, type HistoryStore } from '../functions/shared/history.js';
import { eventSubject } from './replay.js';
import { formatAmount, groupDigits, readableTime } from './readable.js';
import type { OperatorCashOut } from './attention.js';
import type { CashOutReads } from './cash-outs.js';
import type { EventRow } from './event-rows.js';
import type { EventReads } from './events.js';
import { PLATFORM_SOURCE_ID } from '../functions/stripe-events/source-id.js';

export type StoryKind = 'received' | 'stripe_request' | 'answer' | 'stripe_event' | 'reconciliation' | 'operator';

export interface StoryEntry {
  /** ISO time; absent where the ledger did not record one (then it follows the entry before). */
  at?: string;
  kind: StoryKind;
  title: string;
  detail?: string;
  /** Who, for reconciliation decisions and operator actions. */
  who?: string;
  note?: string;
  /** The event, for Stripe events and their replays. */
  eventKey?: string;
}

export interface CashOutStory {
  item: OperatorCashOut;
  entries: StoryEntry[];
  /** The Stripe events about the cash-out's payout or transfer, oldest first. */
  events: EventRow[];
  /** Whether the Stripe object is a test-mode one (from its events; unknown without any). */
  livemode?: boolean;
}

/**
 * A cash-out's story in order: received and claimed, the Stripe request, the answer Village
 * got (all from the ledger item), each Stripe event about its payout or transfer (the events
 * table), reconciliation decisions and operator actions (the history table).
 */
export async function cashOutStory(
  cashOutId: string,
  deps: { cashOuts: CashOutReads; events: EventReads; history: HistoryStore },
): Promise<CashOutStory | undefined> {
  const item = await deps.cashOuts.get(cashOutId);
  if (!item) return undefined;
  // A merchant source's events are another account's: one naming this payout's id is not about it.
  const events = item.stripeObjectId ? (await deps.events.forObject(item.stripeObjectId)).filter(isPlatformEvent) : [];
  const history = await deps.history.list(cashOutSubject(cashOutId));
  const replays = (await Promise.all(events.map((event) => deps.history.list(eventSubject(event.eventKey))))).flat();

  const entries: StoryEntry[] = [...fromLedger(item), ...events.map(fromEvent), ...[...history, ...replays].map(fromHistory)];
  if (item.reconciledAt && !history.some((entry) => entry.action === 'reconcile')) {
    // Decisions from before the history table existed: the ledger keeps the latest.
    entries.push({
      at: item.reconciledAt,
      kind: 'reconciliation',
      title: 'Reconciled (latest decision, as the ledger keeps it)',
      detail: [item.operatorReason, item.compensation, item.reason].filter(Boolean).join('; ') || undefined,
    });
  }
  return { item, entries: inOrder(entries), events, livemode: events.find((event) => event.livemode !== undefined)?.livemode };
}

/** Kept without a source (before sources existed), an event is the platform's. */
const isPlatformEvent = (row: EventRow): boolean =>
  ((row as EventRow & { sourceId?: string }).sourceId ?? PLATFORM_SOURCE_ID) === PLATFORM_SOURCE_ID;

function fromLedger(item: OperatorCashOut): StoryEntry[] {
  const entries: StoryEntry[] = [
    {
      at: item.createdAt,
      kind: 'received',
      title: `Received from Village and claimed: ${formatAmount(item.amount, item.currency)} (${groupDigits(String(item.amountMinor))} minor units), ${item.mode}`,
      detail: item.attempts > 1 ? `${item.attempts} attempts: a later delivery took over an attempt that did not finish` : undefined,
    },
  ];
  if (item.stripeRequestSentAt) {
    entries.push({
      at: item.stripeRequestSentAt,
      kind: 'stripe_request',
      title: `Stripe ${item.mode} requested${item.accountId ? ` for ${item.accountId}` : ''}`,
      detail: `idempotency key ${item.stripeIdempotencyKey}`,
    });
  }
  if (item.answer) {
    const error = typeof item.answer.body.error === 'string' ? ` ${item.answer.body.error}` : '';
    entries.push({
      at: item.answeredAt,
      kind: 'answer',
      title: `Village was answered ${item.answer.statusCode}${error}`,
      detail:
        [
          typeof item.answer.body.message === 'string' ? item.answer.body.message : undefined,
          item.answeredAt ? undefined : 'time not recorded',
        ]
          .filter(Boolean)
          .join(' · ') || undefined,
    });
  }
  return entries;
}

function fromEvent(event: EventRow): StoryEntry {
  const created = event.created ? ` (created ${readableTime(new Date(event.created * 1000).toISOString())})` : '';
  const outcome = event.outcome ?? (event.lastRefusal ? `not applied: ${event.lastRefusal}` : 'not applied');
  return {
    at: event.receivedAt,
    kind: 'stripe_event',
    title: `Stripe ${event.type}${created}: ${outcome}`,
    detail: event.detail ?? event.replayOutcome,
    eventKey: event.eventKey,
  };
}

function fromHistory(entry: HistoryEntry): StoryEntry {
  const kind: StoryKind = entry.action === 'reconcile' ? 'reconciliation' : 'operator';
  const title =
    entry.action === 'acknowledge' ? 'Acknowledged' : entry.action === 'replay' ? `Replayed ${entry.eventKey ?? 'an event'}` : 'Reconciled';
  return { at: entry.at, kind, title, detail: entry.result, who: entry.who, note: entry.note, eventKey: entry.eventKey };
}

/** By time; an entry without one stays right after the entry before it. */
function inOrder(entries: StoryEntry[]): StoryEntry[] {
  let last = '';
  const keyed = entries.map((entry, index) => {
    if (entry.at) last = entry.at;
    return { entry, at: entry.at ?? last, index };
  });
  return keyed.sort((a, b) => a.at.localeCompare(b.at) || a.index - b.index).map(({ entry }) => entry);
}

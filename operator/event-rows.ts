import type { KeptJustWalletEvent } from '../functions/just-wallet/inbox.js';
import type { HistoryEntry as JustWalletEntry } from '../functions/just-wallet/records.js';
import { ValidationError } from '../functions/shared/errors.js';
import type { KeptStripeEvent, RecordRef } from '../functions/stripe-events/event-store.js';
import { readableEvent, recordedEventFields, type RecordWithEvents, type StoredEntry } from '../functions/stripe-events/record-entries.js';

/**
 * An event as the console and the operator commands show it, whichever provider's and wherever
 * kept: its row in a listing, the filters a listing takes, and the outcomes they name.
 */
export const PROVIDERS = ['stripe', 'just-wallet'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** `unapplied`: stored but never applied (deferred, or its delivery crashed). */
export const UNAPPLIED = 'unapplied';

/** Outcomes a filter may ask for: the two routes' words (shared first, then Stripe's, then Just Wallet's), and events never applied. */
export const EVENT_OUTCOMES = ['applied', 'stale', 'ignored', 'anomaly', 'duplicate', 'ignored_type', 'ignored_status', UNAPPLIED] as const;

/** The kinds of record each provider's events are kept in. */
export const RECORD_KINDS: Record<Provider, readonly string[]> = {
  stripe: [
    'transaction',
    'refund',
    'dispute',
    'early_fraud_warning',
    'checkout_session',
    'payout',
    'transfer',
    'file',
    'report_run',
    'report_type',
  ],
  'just-wallet': ['just_wallet_payout', 'just_wallet_funding', 'just_wallet_quote'],
};

/** How many index entries a search by event id looks through, newest first, before it gives up. */
export const SEARCH_BUDGET = 20_000;

export interface EventFilter {
  provider?: Provider;
  /** A type, or a prefix ending in `.` or `*` (`payout.`, `quote_*`). */
  type?: string;
  /** An outcome as stored (applied, stale, ignored, anomaly, duplicate, ignored_type…), or `unapplied`. */
  outcome?: string;
  /** ISO times: received in this range. */
  from?: string;
  to?: string;
}

/** An event as listed: the index's fields, never the raw body. */
export interface EventRow {
  eventKey: string;
  provider: Provider;
  type: string;
  receivedAt: string;
  objectId?: string;
  eventId?: string;
  created?: number;
  account?: string;
  livemode?: boolean;
  kind?: string;
  status?: string;
  outcome?: string;
  detail?: string;
  appliedAt?: string;
  deliveries?: number;
  lastRefusal?: string;
  replays?: number;
  replayedAt?: string;
  replayOutcome?: string;
  /** Kept in this record's history (one write per event); else its own item in the events table. */
  record?: RecordRef;
}

/** An event as kept: an item of the events table, or an entry of a record's history. */
export type StoredEvent = KeptStripeEvent | KeptJustWalletEvent;

export type RecordItem = RecordWithEvents & { history?: (StoredEntry | JustWalletEntry)[] };

export const isJustWallet = (record: { kind: string }) => record.kind.startsWith('just_wallet_');

/** A record's events as listed (a Stripe entry's body is unpacked to name its event). */
export function rowsOf(record: RecordItem): EventRow[] {
  const ref = { id: record.id, kind: record.kind };
  return (record.history ?? []).flatMap((entry): EventRow[] => {
    if (isJustWallet(record)) {
      const wallet = entry as JustWalletEntry;
      return [
        {
          eventKey: wallet.eventKey,
          provider: 'just-wallet',
          type: wallet.type,
          receivedAt: entry.receivedAt,
          objectId: record.id,
          kind: record.kind,
          status: entry.status,
          outcome: wallet.statusChanged ? 'applied' : 'stale',
          appliedAt: entry.receivedAt,
          record: ref,
        },
      ];
    }
    // An entry whose body cannot be read does not say which event it is: the record's page shows it.
    const event = readableEvent(entry as StoredEntry, record.sourceId);
    return event ? [recordedEventFields(record, event)] : [];
  });
}

/** One condition per filter field; a new filter (e.g. a merchant `sourceId`) is one more entry here. */
export function eventFilterExpression(filter: EventFilter): {
  expression?: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.type) {
    const prefix = /[.*]$/.test(filter.type);
    names['#type'] = 'type';
    values[':type'] = prefix ? filter.type.replace(/\*$/, '') : filter.type;
    parts.push(prefix ? 'begins_with(#type, :type)' : '#type = :type');
  }
  if (filter.outcome === UNAPPLIED) parts.push('attribute_not_exists(appliedAt)');
  else if (filter.outcome) {
    if (!(EVENT_OUTCOMES as readonly string[]).includes(filter.outcome))
      throw new ValidationError('bad_filter', `"${filter.outcome}" is not an outcome (${EVENT_OUTCOMES.join(', ')}).`);
    values[':outcome'] = filter.outcome;
    parts.push('outcome = :outcome');
  }
  return { expression: parts.length ? parts.join(' AND ') : undefined, names, values };
}

/** A stored event's listing fields (what the indexes hold): no body, no lease. */
export function listed(event: StoredEvent): EventRow {
  const row: Record<string, unknown> = { ...event };
  for (const hidden of ['payload', 'expiresAt', 'claimToken', 'claimedUntil', 'providerShard']) delete row[hidden];
  return row as unknown as EventRow;
}

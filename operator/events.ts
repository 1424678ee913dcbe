import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { eventOfRecord as justWalletEventOf, recordOfEventKey, type KeptJustWalletEvent } from '../functions/just-wallet/event-log.js';
import type { HistoryEntry as JustWalletEntry } from '../functions/just-wallet/records.js';
import { getMany } from '../functions/shared/dynamodb.js';
import { eventShardQueries } from '../functions/shared/event-index.js';
import { ValidationError } from '../functions/shared/errors.js';
import { recordShardQueries } from '../functions/shared/record-index.js';
import { mergeByTime } from '../functions/shared/sharded-index.js';
import type { KeptStripeEvent, RecordRef } from '../functions/stripe-events/event-store.js';
import {
  entryOf,
  eventOfRecord as stripeEventOf,
  readableEvent,
  recordedEventFields,
  type RecordWithEvents,
  type StoredEntry,
} from '../functions/stripe-events/record-entries.js';
import {
  EXAMINE_BUDGET,
  decodeCursor,
  encodeCursor,
  mergePages,
  newestFirst,
  readNewestFirst,
  timeRange,
  type Ordering,
  type Page,
} from './paging.js';

export const PROVIDERS = ['stripe', 'just-wallet'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** `unapplied`: stored but never applied (deferred, or its delivery crashed). */
export const UNAPPLIED = 'unapplied';

/** Outcomes a filter may ask for: the two routes' words (shared first, then Stripe's, then Just Wallet's), and events never applied. */
export const EVENT_OUTCOMES = ['applied', 'stale', 'ignored', 'anomaly', 'duplicate', 'ignored_type', 'ignored_status', UNAPPLIED] as const;

/** The kinds of record each provider's events are kept in. */
const RECORD_KINDS: Record<Provider, readonly string[]> = {
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

type IndexedRecord = RecordRef & { updatedAt: string };
type RecordItem = RecordWithEvents & { history?: (StoredEntry | JustWalletEntry)[] };

const ORDER: Ordering<EventRow> = { at: (row) => row.receivedAt, key: (row) => row.eventKey };

/**
 * The events as the console reads them, from where they are kept: an event that moved records
 * is in their histories (found through the records' index by kind, `byKindShard`), any other in
 * the events table (`byProviderShard`, `byObjectId`). No scans.
 */
export class EventReads {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    readonly recordsTable: string,
  ) {}

  /** One event by its key; `record` (from a listing's link) says which record keeps it, else it is looked for. */
  async get(eventKey: string, record?: RecordRef): Promise<StoredEvent | undefined> {
    const own = (await this.db.send(new GetCommand({ TableName: this.tableName, Key: { eventKey }, ConsistentRead: true }))).Item as
      StoredEvent | undefined;
    const ref =
      record ?? recordOfEventKey(eventKey) ?? (own || !eventKey.startsWith('stripe:') ? undefined : await this.recordKeeping(eventKey));
    if (!ref) return own;
    const kept = await this.recordItem(ref);
    const entry =
      kept && isJustWallet(kept)
        ? (kept.history as JustWalletEntry[] | undefined)?.find((each) => each.eventKey === eventKey)
        : entryOf(kept as RecordWithEvents | undefined, eventKey);
    // The record's entry says what applying did; an item of its own keeps the body a Just Wallet record had no room for.
    if (!kept || !entry || (own && !entry.body)) return own;
    return isJustWallet(kept) ? justWalletEventOf(kept as never, entry as JustWalletEntry) : stripeEventOf(kept, entry as StoredEntry);
  }

  /** One page, newest first, of the events table's and the records' events together. */
  async list(filter: EventFilter, page: { limit: number; cursor?: string; budget?: number }): Promise<Page<EventRow>> {
    const [own, inRecords] = await Promise.all([
      newestFirst<EventRow>(this.db, (upTo) => this.queries(filter, upTo), ORDER, page),
      this.recordEvents(filter, page),
    ]);
    return mergePages([own, inRecords], ORDER, page.limit);
  }

  /** Every event matching, newest first, up to `max` (for a bulk replay: the caller says what to do past it). */
  async matching(filter: EventFilter, max: number): Promise<EventRow[]> {
    const rows: EventRow[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list(filter, { limit: Math.min(max - rows.length, 500), cursor, budget: Number.MAX_SAFE_INTEGER });
      rows.push(...page.items);
      cursor = page.next;
    } while (cursor && rows.length < max);
    return rows;
  }

  /** The events about one object (a payout, a payment, a Just Wallet payout…), oldest first. */
  async forObject(objectId: string): Promise<EventRow[]> {
    const rows: EventRow[] = [];
    const query: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: 'byObjectId',
      KeyConditionExpression: 'objectId = :id',
      ExpressionAttributeValues: { ':id': objectId },
    };
    for await (const row of readNewestFirst<EventRow>(this.db, query)) rows.push(row);
    // Its records (of any kind) are keyed by its id: one Query on the table's own key.
    const records = await this.db.send(
      new QueryCommand({
        TableName: this.recordsTable,
        KeyConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': objectId },
        ConsistentRead: true,
      }),
    );
    for (const record of (records.Items ?? []) as RecordItem[])
      rows.push(...rowsOf(record).filter((row) => !rows.some((other) => other.eventKey === row.eventKey)));
    return rows.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.eventKey.localeCompare(b.eventKey));
  }

  /**
   * What an operator pastes into the search box: a Stripe event id (`evt_…`), an event key
   * (`stripe:evt_…`, `just-wallet:…`), or an object id (`po_…`, a Just Wallet payout id).
   */
  async search(text: string): Promise<EventRow[]> {
    const query = text.trim();
    if (!query) return [];
    const key = /^evt_/.test(query) ? `stripe:${query}` : query;
    if (PROVIDERS.some((provider) => key.startsWith(`${provider}:`))) {
      const event = await this.get(key);
      return event ? [listed(event)] : [];
    }
    return this.forObject(query);
  }

  private queries(filter: EventFilter, upTo: string | undefined): QueryCommandInput[] {
    const end = upTo && filter.to ? (upTo < filter.to ? upTo : filter.to) : (upTo ?? filter.to);
    if (filter.from && end && end < filter.from) return [];
    const range = timeRange('receivedAt', filter.from, end);
    const { expression, names, values } = eventFilterExpression(filter);
    return (filter.provider ? [filter.provider] : PROVIDERS).flatMap((provider) =>
      eventShardQueries({
        tableName: this.tableName,
        value: provider,
        range,
        filter: expression ? { expression, names, values } : undefined,
      }),
    );
  }

  /**
   * The page of events kept in records. A record's events are no older than its first write
   * and no newer than its last (`updatedAt`, the index's sort key): records are read newest
   * change first, those first written after the page's newest wanted event skipped, until the
   * next record changed before the oldest event the page needs.
   */
  private async recordEvents(filter: EventFilter, page: { limit: number; cursor?: string; budget?: number }): Promise<Page<EventRow>> {
    if (filter.outcome === UNAPPLIED || (filter.outcome && !['applied', 'stale'].includes(filter.outcome))) return { items: [] };
    const after = decodeCursor(page.cursor);
    const upper = after && filter.to ? (after.at < filter.to ? after.at : filter.to) : (after?.at ?? filter.to);
    if (filter.from && upper && upper < filter.from) return { items: [] };
    const kinds = (filter.provider ? [filter.provider] : PROVIDERS).flatMap((provider) => RECORD_KINDS[provider]);
    const queries = kinds.flatMap((kind) =>
      recordShardQueries({
        tableName: this.recordsTable,
        value: kind,
        range: filter.from ? { expression: 'updatedAt >= :from', values: { ':from': filter.from } } : undefined,
        filter: upper ? { expression: 'firstSeenAt <= :upper OR firstReceivedAt <= :upper', values: { ':upper': upper } } : undefined,
      }),
    );
    const wanted = (row: EventRow) =>
      (!after || row.receivedAt < after.at || (row.receivedAt === after.at && row.eventKey < after.key)) &&
      (!filter.from || row.receivedAt >= filter.from) &&
      (!filter.to || row.receivedAt <= filter.to) &&
      (!filter.outcome || row.outcome === filter.outcome) &&
      (!filter.type || (/[.*]$/.test(filter.type) ? row.type.startsWith(filter.type.replace(/\*$/, '')) : row.type === filter.type));
    const rows: EventRow[] = [];
    const newestFirstOrder = (a: EventRow, b: EventRow) => b.receivedAt.localeCompare(a.receivedAt) || b.eventKey.localeCompare(a.eventKey);
    const budget = page.budget ?? EXAMINE_BUDGET;
    let pending: Record<string, string>[] = [];
    const read = async () => {
      for (const record of await getMany<RecordItem>(this.db, this.recordsTable, pending)) rows.push(...rowsOf(record).filter(wanted));
      rows.sort(newestFirstOrder);
      pending = [];
    };
    let examined = 0;
    let stoppedAt: string | undefined;
    for await (const indexed of mergeByTime<IndexedRecord>(this.db, queries, (item) => item.updatedAt, true)) {
      // Every record not read yet changed before this one: its events are older still.
      if (rows.length > page.limit && indexed.updatedAt < rows[page.limit]!.receivedAt) break;
      if (++examined > budget) {
        stoppedAt = indexed.updatedAt;
        break;
      }
      pending.push({ id: indexed.id, kind: indexed.kind });
      if (pending.length >= 25) await read();
    }
    await read();
    if (stoppedAt !== undefined) {
      // Events at or before the stop may be in records not read yet: they wait for the next page.
      const sure = rows.filter((row) => row.receivedAt > stoppedAt);
      const items = sure.slice(0, page.limit);
      if (sure.length > page.limit)
        return { items, next: encodeCursor({ at: items[items.length - 1]!.receivedAt, key: items[items.length - 1]!.eventKey }) };
      return { items, next: encodeCursor({ at: stoppedAt, key: '\uffff' }), partial: true };
    }
    const items = rows.slice(0, page.limit);
    return rows.length > page.limit
      ? { items, next: encodeCursor({ at: items[items.length - 1]!.receivedAt, key: items[items.length - 1]!.eventKey }) }
      : { items };
  }

  /**
   * The record that keeps a Stripe event, found by its key among the records' indexed event
   * keys, newest change first, SEARCH_BUDGET entries at most (a Stripe event id does not say
   * which object it is about; a listing's link does).
   */
  private async recordKeeping(eventKey: string): Promise<RecordRef | undefined> {
    const queries = RECORD_KINDS.stripe.flatMap((kind) => recordShardQueries({ tableName: this.recordsTable, value: kind }));
    let scanned = 0;
    const found = await Promise.all(
      queries.map(async (input) => {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.db.send(
            new QueryCommand({
              ...input,
              ScanIndexForward: false,
              FilterExpression: 'contains(eventKeys, :key)',
              ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ':key': eventKey },
              ExclusiveStartKey: start,
            }),
          );
          scanned += page.ScannedCount ?? 0;
          const [hit] = (page.Items ?? []) as IndexedRecord[];
          if (hit) return { id: hit.id, kind: hit.kind };
          start = page.LastEvaluatedKey;
        } while (start && scanned < SEARCH_BUDGET);
        return undefined;
      }),
    );
    return found.find((ref) => ref !== undefined);
  }

  private async recordItem(ref: RecordRef): Promise<RecordItem | undefined> {
    return (await this.db.send(new GetCommand({ TableName: this.recordsTable, Key: { id: ref.id, kind: ref.kind }, ConsistentRead: true })))
      .Item as RecordItem | undefined;
  }
}

const isJustWallet = (record: { kind: string }) => record.kind.startsWith('just_wallet_');

/** A record's events as listed (a Stripe entry's body is unpacked to name its event). */
function rowsOf(record: RecordItem): EventRow[] {
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
function eventFilterExpression(filter: EventFilter): {
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

import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { eventOfRecord as justWalletEventOf, recordOfEventKey } from '../functions/just-wallet/inbox.js';
import type { HistoryEntry as JustWalletEntry } from '../functions/just-wallet/records.js';
import { getMany, queryAll } from '../functions/shared/dynamodb.js';
import { mergeByTime } from '../functions/shared/sharded-index.js';
import type { RecordRef } from '../functions/stripe-events/event-store.js';
import {
  entryOf,
  eventOfRecord as stripeEventOf,
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
import {
  eventFilterExpression,
  isJustWallet,
  listed,
  PROVIDERS,
  RECORD_KINDS,
  rowsOf,
  SEARCH_BUDGET,
  UNAPPLIED,
  type EventFilter,
  type EventRow,
  type RecordItem,
  type StoredEvent,
} from './event-rows.js';
import { eventShardQueries, recordShardQueries } from './indexes.js';

type IndexedRecord = RecordRef & { updatedAt: string };

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
    const records = await queryAll<RecordItem>(this.db, {
      TableName: this.recordsTable,
      KeyConditionExpression: 'id = :id',
      ExpressionAttributeValues: { ':id': objectId },
      ConsistentRead: true,
    });
    for (const record of records) rows.push(...rowsOf(record).filter((row) => !rows.some((other) => other.eventKey === row.eventKey)));
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

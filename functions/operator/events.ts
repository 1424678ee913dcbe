import { GetCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { JustWalletEventItem } from '../just-wallet/events.js';
import { ValidationError } from '../shared/errors.js';
import type { StoredStripeEvent } from '../stripe-events/event-store.js';
import { newestFirst, readNewestFirst, timeRange, type Page } from './paging.js';

export const PROVIDERS = ['stripe', 'just-wallet'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** `unapplied`: stored but never applied (deferred, or its delivery crashed). */
export const UNAPPLIED = 'unapplied';

/** Outcomes a filter may ask for: the two routes' words (Stripe's, then Just Wallet's), and events never applied. */
export const EVENT_OUTCOMES = ['applied', 'stale', 'ignored', 'anomaly', 'outdated', 'duplicate', 'ignored_type', 'ignored_status', UNAPPLIED] as const;

export interface EventFilter {
  provider?: Provider;
  /** A type, or a prefix ending in `.` or `*` (`payout.`, `quote_*`). */
  type?: string;
  /** An outcome as stored (applied, stale, ignored, anomaly, outdated, duplicate, ignored_type…), or `unapplied`. */
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
}

export type StoredEvent = StoredStripeEvent | JustWalletEventItem;

/**
 * The events table as the console reads it: by provider and time (`byProvider`), by the
 * object an event is about (`byObjectId`), or one event by its key. No scans.
 */
export class EventReads {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(eventKey: string): Promise<StoredEvent | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { eventKey }, ConsistentRead: true }));
    return result.Item as StoredEvent | undefined;
  }

  list(filter: EventFilter, page: { limit: number; cursor?: string; budget?: number }): Promise<Page<EventRow>> {
    return newestFirst<EventRow>(this.db, (upTo) => this.queries(filter, upTo), { at: (row) => row.receivedAt, key: (row) => row.eventKey }, page);
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

  /** The events about one object (a payout, a Just Wallet payout…), oldest first. */
  async forObject(objectId: string): Promise<EventRow[]> {
    const rows: EventRow[] = [];
    const query: QueryCommandInput = { TableName: this.tableName, IndexName: 'byObjectId', KeyConditionExpression: 'objectId = :id', ExpressionAttributeValues: { ':id': objectId } };
    for await (const row of readNewestFirst<EventRow>(this.db, query)) rows.push(row);
    return rows.reverse();
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
    return (filter.provider ? [filter.provider] : PROVIDERS).map((provider) => ({
      TableName: this.tableName,
      IndexName: 'byProvider',
      KeyConditionExpression: ['provider = :provider', range.expression].filter(Boolean).join(' AND '),
      FilterExpression: expression,
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: { ':provider': provider, ...range.values, ...values },
    }));
  }
}

/** One condition per filter field; a new filter (e.g. a merchant `sourceId`) is one more entry here. */
function eventFilterExpression(filter: EventFilter): { expression?: string; names: Record<string, string>; values: Record<string, unknown> } {
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
    if (!(EVENT_OUTCOMES as readonly string[]).includes(filter.outcome)) throw new ValidationError('bad_filter', `"${filter.outcome}" is not an outcome (${EVENT_OUTCOMES.join(', ')}).`);
    values[':outcome'] = filter.outcome;
    parts.push('outcome = :outcome');
  }
  return { expression: parts.length ? parts.join(' AND ') : undefined, names, values };
}

/** A stored event's listing fields (what the indexes hold): no body, no lease. */
export function listed(event: StoredEvent): EventRow {
  const row: Record<string, unknown> = { ...event };
  for (const hidden of ['payload', 'expiresAt', 'claimToken', 'claimedUntil']) delete row[hidden];
  return row as unknown as EventRow;
}

import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, oldItemOf } from '../shared/dynamodb.js';
import { providerShard } from '../shared/event-index.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';

/** Where a record is: the records table's key (`id` includes a merchant source's prefix). */
export interface RecordRef {
  id: string;
  kind: string;
}

/**
 * A Stripe event as kept, wherever it is: its own item in the events table, or (`record`) an
 * entry of the history of a record it moved, seen as such an item (record-entries.ts).
 *
 * The events table holds one item per source and event id, with the raw body and the
 * deduplication state, for the events that move no record (stored with their outcome) and
 * those that move the ledger or the recipients (claimed for a short lease, applied, then
 * marked applied; a redelivery of an applied event changes nothing, and one whose earlier
 * delivery never finished applies it again).
 */
export interface KeptStripeEvent {
  eventKey: string;
  provider: 'stripe';
  /** `stripe#<n>`: the events' index by provider (event-index.ts). */
  providerShard?: string;
  /** Where it came from: `platform`, or a merchant source. */
  sourceId: string;
  eventId: string;
  type: string;
  account?: string;
  livemode: boolean;
  apiVersion?: string;
  /** The event's `created`, unix seconds. */
  created: number;
  objectId: string;
  receivedAt: string;
  /** The raw body, exactly as signed. */
  payload: string;
  /** TTL, unix seconds (its own item only: a record's events live as long as it). */
  expiresAt?: number;
  /** How many deliveries claimed it (its own item only). */
  deliveries?: number;
  claimToken?: string;
  /** Epoch ms until which the delivery holding `claimToken` owns the event. */
  claimedUntil?: number;
  appliedAt?: string;
  /** What applying it did: applied, stale, recorded, ignored, anomaly… */
  outcome?: string;
  detail?: string;
  /** Why the last delivery was answered without applying it (e.g. ledger_item_in_flight). */
  lastRefusal?: string;
  /** Operator replays: how many, and the last one's result (`outcome` stays the first application's). */
  replays?: number;
  replayedAt?: string;
  replayOutcome?: string;
  replayDetail?: string;
  /** The record that keeps it, when a record does. */
  record?: RecordRef;
}

/** What a delivery brings to the events table. */
export type NewStripeEvent = Omit<
  KeptStripeEvent,
  | 'eventKey'
  | 'providerShard'
  | 'sourceId'
  | 'deliveries'
  | 'claimToken'
  | 'claimedUntil'
  | 'appliedAt'
  | 'outcome'
  | 'detail'
  | 'lastRefusal'
  | 'replays'
  | 'replayedAt'
  | 'replayOutcome'
  | 'replayDetail'
  | 'record'
> & { expiresAt: number };

export type ClaimResult = { kind: 'claimed'; redelivery: boolean } | { kind: 'applied'; existing: KeptStripeEvent } | { kind: 'in_flight' };

/**
 * `stripe:<evt id>` for the platform, `stripe:<sourceId>:<evt id>` for a merchant source: the
 * same event id at two sources is two events, and the two shapes cannot meet (a source id has
 * no `_`, an event id always has).
 */
export const eventKey = (eventId: string, sourceId: string = PLATFORM_SOURCE_ID) =>
  sourceId === PLATFORM_SOURCE_ID ? `stripe:${eventId}` : `stripe:${sourceId}:${eventId}`;

/** One source's events: every key it reads or writes is that source's. */
export class StripeEventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    readonly sourceId: string = PLATFORM_SOURCE_ID,
  ) {}

  /** The same table, as another source's events. */
  forSource(sourceId: string): StripeEventStore {
    return sourceId === this.sourceId ? this : new StripeEventStore(this.db, this.tableName, sourceId);
  }

  async get(eventId: string): Promise<KeptStripeEvent | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { eventKey: this.key(eventId) }, ConsistentRead: true }),
    );
    return result.Item as KeptStripeEvent | undefined;
  }

  /**
   * Whether the event was applied: a cheap read (its marker only, eventually consistent) to
   * skip what is done; the claim remains the guard for anything else.
   */
  async isApplied(eventId: string): Promise<boolean> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { eventKey: this.key(eventId) }, ProjectionExpression: 'appliedAt' }),
    );
    return typeof result.Item?.appliedAt === 'string';
  }

  private key(eventId: string): string {
    return eventKey(eventId, this.sourceId);
  }

  /** Exactly one delivery holds an unapplied event at a time; the others learn whether it is done. */
  async claim(event: NewStripeEvent, token: string, nowMs: number, leaseMs: number): Promise<ClaimResult> {
    const first = await this.putNew(event, { claimToken: token, claimedUntil: nowMs + leaseMs });
    if (first.put) return { kind: 'claimed', redelivery: false };
    // A redelivery of an applied event (the common case) is answered from this one round trip.
    if (first.existing?.appliedAt) return { kind: 'applied', existing: first.existing };
    if (first.existing?.claimedUntil !== undefined && first.existing.claimedUntil >= nowMs) return { kind: 'in_flight' };
    if (await this.hold(event.eventId, token, nowMs, leaseMs, { redelivery: true })) return { kind: 'claimed', redelivery: true };
    const existing = await this.get(event.eventId);
    return existing?.appliedAt ? { kind: 'applied', existing } : { kind: 'in_flight' };
  }

  /**
   * An event that moves nothing, stored with its outcome in one conditional put; a redelivery
   * finds it there (`existing`).
   */
  async storeApplied(
    event: NewStripeEvent,
    outcome: string,
    detail: string | undefined,
  ): Promise<{ stored: true } | { stored: false; existing: KeptStripeEvent }> {
    const first = await this.putNew(event, { appliedAt: event.receivedAt, outcome, ...(detail ? { detail } : {}) });
    if (first.put) return { stored: true };
    const existing = first.existing ?? (await this.get(event.eventId));
    if (!existing) throw first.error;
    return { stored: false, existing };
  }

  /** The event as its own item, with `state`, put only where there is none; refused, the item there. */
  private async putNew(
    event: NewStripeEvent,
    state: Pick<KeptStripeEvent, 'claimToken' | 'claimedUntil' | 'appliedAt' | 'outcome' | 'detail'>,
  ): Promise<{ put: true } | { put: false; existing?: KeptStripeEvent; error: unknown }> {
    const key = this.key(event.eventId);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...event,
            eventKey: key,
            providerShard: providerShard('stripe', key),
            sourceId: this.sourceId,
            deliveries: 1,
            ...state,
          } satisfies KeptStripeEvent,
          ConditionExpression: 'attribute_not_exists(eventKey)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { put: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return { put: false, existing: oldItemOf<KeptStripeEvent>(error), error };
    }
  }

  /** Fenced by the claim: a delivery that lost its lease does not overwrite the new holder's result. */
  async markApplied(eventId: string, token: string, outcome: string, detail: string | undefined, now: Date): Promise<boolean> {
    return this.settle(eventId, token, {
      UpdateExpression: `SET appliedAt = :now, outcome = :outcome${detail ? ', detail = :detail' : ''} REMOVE claimToken, claimedUntil, lastRefusal`,
      ExpressionAttributeValues: { ':now': now.toISOString(), ':outcome': outcome, ...(detail ? { ':detail': detail } : {}) },
    });
  }

  /**
   * Holds the event for `leaseMs` unless a delivery holds it right now: a redelivery takes an
   * unapplied event, and counts itself; an operator's replay takes it applied or not. False
   * when it cannot.
   */
  async hold(eventId: string, token: string, nowMs: number, leaseMs: number, { redelivery }: { redelivery: boolean }): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { eventKey: this.key(eventId) },
          UpdateExpression: `SET claimToken = :token, claimedUntil = :until${redelivery ? ' ADD deliveries :one' : ''}`,
          ConditionExpression: `attribute_exists(eventKey)${redelivery ? ' AND attribute_not_exists(appliedAt)' : ''} AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)`,
          ExpressionAttributeValues: { ':token': token, ':until': nowMs + leaseMs, ':now': nowMs, ...(redelivery ? { ':one': 1 } : {}) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Gives the event back unapplied, so Stripe's next delivery applies it. */
  async release(eventId: string, token: string, reason: string): Promise<boolean> {
    return this.settle(eventId, token, {
      UpdateExpression: 'SET lastRefusal = :reason REMOVE claimToken, claimedUntil',
      ExpressionAttributeValues: { ':reason': reason },
    });
  }

  /** An update of a held event, made only while `token` holds it (a delivery's or a replay's). */
  async settle(
    eventId: string,
    token: string,
    update: { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> },
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { eventKey: this.key(eventId) },
          ...update,
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':token': token },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

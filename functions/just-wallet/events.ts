import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, oldItemOf } from '../shared/dynamodb.js';
import { providerShard } from '../shared/event-index.js';
import type { RecordOutcome } from '../shared/record-model.js';

/** What became of a verified event: what its record did with it, or why it moved no record. */
export type EventOutcome = RecordOutcome | 'ignored_type' | 'ignored_status';

/**
 * A verified Just Wallet event in the events table, keyed by `eventKey`, expiring at
 * `expiresAt`: an event that changes no record (an unknown type or status), kept with its
 * outcome. An event that changes a record is kept in the record's history (inbox.ts).
 */
export interface JustWalletEventItem {
  eventKey: string;
  provider: 'just-wallet';
  /** `just-wallet#<n>`: the events' index by provider (event-index.ts), set by the store. */
  providerShard?: string;
  type: string;
  /** The record it concerns (`id` + `kind` in the records table), when it concerns one. */
  objectId?: string;
  kind?: string;
  status?: string;
  receivedAt: string;
  /** The body exactly as received. */
  payload: string;
  /** Unix seconds: DynamoDB's TTL removes the item after the retention period. */
  expiresAt: number;
  /** Set once the event has been applied (or deliberately ignored); a redelivery then changes nothing. */
  appliedAt?: string;
  outcome?: EventOutcome;
  /** Operator replays: how many, and the last one's outcome (`outcome` stays the first application's). */
  replays?: number;
  replayedAt?: string;
  replayOutcome?: EventOutcome;
}

export type EventClaim = { isNew: true } | { isNew: false; existing: JustWalletEventItem };

export class JustWalletEventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(eventKey: string): Promise<JustWalletEventItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { eventKey }, ConsistentRead: true }));
    return result.Item as JustWalletEventItem | undefined;
  }

  /** Stores the event unless it is already there (a conditional put); then says which. */
  async claim(item: JustWalletEventItem): Promise<EventClaim> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...item, providerShard: providerShard('just-wallet', item.eventKey) },
          ConditionExpression: 'attribute_not_exists(eventKey)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { isNew: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = oldItemOf<JustWalletEventItem>(error) ?? (await this.get(item.eventKey));
      if (!existing) throw error;
      return { isNew: false, existing };
    }
  }
}

import { randomBytes } from 'node:crypto';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './dynamodb.js';

/** What was done: an operator's acknowledgement, a replay of an event, a reconciliation, a change of a currency's limits. */
export type HistoryAction = 'acknowledge' | 'replay' | 'reconcile' | 'set_limits';

/**
 * One entry in the history table: append-only, never updated. `subject` says what it is about
 * (`cash-out#<cashOutId>`, `event#<eventKey>` or `limits#<currency>`), `entryId` orders entries in time.
 */
export interface HistoryEntry {
  subject: string;
  /** `<ISO time>#<random>`: unique, and sorted by time within the subject. */
  entryId: string;
  at: string;
  /** The AWS identity (an ARN) of the operator, `local`, or `reconciliation job`. */
  who: string;
  action: HistoryAction;
  /** What the operator wrote, for acknowledgements (and optionally the others). */
  note?: string;
  /** A keyword for what came of it: `applied`, `stale`, `resolved`, `needs_operator`… */
  outcome?: string;
  /** What came of it, in words. */
  result: string;
  cashOutId?: string;
  eventKey?: string;
}

export type NewHistoryEntry = Omit<HistoryEntry, 'subject' | 'entryId' | 'at'> & { at?: string };

/** A cash-out's entries. (An event's, `event#<key>`, are the operator's replays: operator/replay.ts.) */
export const cashOutSubject = (cashOutId: string) => `cash-out#${cashOutId}`;

export function historyEntry(subject: string, entry: NewHistoryEntry, now: Date): HistoryEntry {
  const at = entry.at ?? now.toISOString();
  return { ...entry, subject, at, entryId: `${at}#${randomBytes(6).toString('hex')}` };
}

export class HistoryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Appends an entry; a conditional put, so an entry is never overwritten. */
  async append(subject: string, entry: NewHistoryEntry, now: Date): Promise<HistoryEntry> {
    const item = historyEntry(subject, entry, now);
    await this.db.send(new PutCommand(this.put(item)));
    return item;
  }

  /** The put `append` makes, for a caller that writes it in a transaction with its own change. */
  put(item: HistoryEntry) {
    return { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(entryId)' };
  }

  /** A subject's entries, oldest first. */
  async list(subject: string, limit = 500): Promise<HistoryEntry[]> {
    const query = {
      TableName: this.tableName,
      KeyConditionExpression: 'subject = :subject',
      ExpressionAttributeValues: { ':subject': subject },
    };
    return queryAll<HistoryEntry>(this.db, { ...query, Limit: limit }, limit);
  }
}

import { GetCommand, UpdateCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { within } from './deadline.js';
import { isConditionalCheckFailed, queryKey, fieldUpdate, updateExpression } from './dynamodb.js';
import type { LedgerFields, LedgerItem } from './ledger-item.js';
import { statusFields } from './status-index.js';

/** The ledger table, as every transition's class reads it: one item by its cash-out id. */
export class LedgerTable {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** The item as it is now (a consistent read), within `timeoutMs` if given. */
  get(cashOutId: string, options: { timeoutMs?: number } = {}): Promise<LedgerItem | undefined> {
    return readItem(this.db, this.tableName, cashOutId, options.timeoutMs);
  }

  /** The cash-out a Stripe payout or transfer is bound to, through the `byStripeObjectId` index (eventually consistent). */
  async cashOutIdOf(stripeObjectId: string): Promise<string | undefined> {
    const where = { tableName: this.tableName, indexName: 'byStripeObjectId', limit: 1 };
    const [found] = await queryKey<{ cashOutId: string }>(this.db, where, 'stripeObjectId', stripeObjectId);
    return found?.cashOutId;
  }

  /**
   * An operator's acknowledgement, as the ledger's half of a transaction (the history entry is
   * the other): written only on the state the operator saw (`updatedAt = :seen`), and changing
   * nothing the money code reads (no status, no `updatedAt`, no flag).
   */
  acknowledgement(cashOutId: string, acknowledgement: object, seen: string): TransactUpdate {
    return {
      TableName: this.tableName,
      Key: { cashOutId },
      UpdateExpression: 'SET acknowledged = :ack',
      ConditionExpression: 'updatedAt = :seen',
      ExpressionAttributeValues: { ':ack': acknowledgement, ':seen': seen },
    };
  }
}

/** One update of a `TransactWriteCommand`. */
export type TransactUpdate = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;

/** A write's condition, with the names and values it uses. */
export interface Guard {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** `status` is a reserved word in DynamoDB expressions. */
export const STATUS_NAME = { '#status': 'status' };

export interface WriteResult {
  written: boolean;
  /** Written: the item before the write (with `returnPrevious`). */
  previous?: LedgerItem;
  /** Not written: the item as the failed condition saw it, if it exists. */
  current?: LedgerItem;
}

export interface WriteOptions {
  /** Give up after this long (the write may still land: callers treat that as ambiguous). */
  timeoutMs?: number;
  /** When written, return the item as it was before. */
  returnPrevious?: boolean;
}

/**
 * The one conditional write of a ledger item every transition but the claim goes through: sets
 * `fields` (with a status, the status index's key too) if `guard` holds. Not written: the item
 * as it was when the condition failed, if it exists.
 */
export async function writeIf(
  db: DynamoDBDocumentClient,
  tableName: string,
  cashOutId: string,
  fields: LedgerFields,
  guard: Guard,
  options: WriteOptions = {},
): Promise<WriteResult> {
  const update = fieldUpdate({ ...fields, ...(fields.status ? statusFields(cashOutId, fields.status) : {}) });
  const command = new UpdateCommand({
    TableName: tableName,
    Key: { cashOutId },
    UpdateExpression: updateExpression(update),
    ConditionExpression: guard.expression,
    ExpressionAttributeNames: { ...update.names, ...guard.names },
    ExpressionAttributeValues: { ...update.values, ...guard.values },
    ReturnValues: options.returnPrevious ? 'ALL_OLD' : undefined,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
  try {
    const result = await bounded(options.timeoutMs, 'Writing the ledger', (abortSignal) => db.send(command, { abortSignal }));
    return { written: true, previous: result.Attributes as LedgerItem | undefined };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    // The document client does not unmarshall the item that comes back on the exception.
    const returned = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
    return { written: false, current: returned ? (unmarshall(returned) as LedgerItem) : undefined };
  }
}

/** The item as it is now (a consistent read). */
export async function readItem(
  db: DynamoDBDocumentClient,
  tableName: string,
  cashOutId: string,
  timeoutMs?: number,
): Promise<LedgerItem | undefined> {
  const command = new GetCommand({ TableName: tableName, Key: { cashOutId }, ConsistentRead: true });
  const result = await bounded(timeoutMs, 'Reading the ledger', (abortSignal) => db.send(command, { abortSignal }));
  return result.Item as LedgerItem | undefined;
}

/** A ledger call within `timeoutMs`, or unbounded (the client's own request timeout) without one. */
export function bounded<T>(
  timeoutMs: number | undefined,
  what: string,
  call: (abortSignal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  return timeoutMs === undefined ? call(undefined) : within(timeoutMs, what, call);
}

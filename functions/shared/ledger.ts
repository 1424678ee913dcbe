import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionalCheckFailed } from './dynamodb.js';
import type { MoveKind } from './money.js';

/**
 * The cash-out ledger: one item per Village cash-out, keyed by `cashOutId`, its state in
 * `status`.
 *
 * - `processing`: claimed by an invocation (`attemptId`) until `leaseExpiresAt`.
 * - `pending`, `in_transit`, `paid`: Stripe accepted the money movement (Stripe's payout
 *   lifecycle; a transfer is `paid` once created), Village was answered 200.
 * - `failed`: Stripe refused it, nothing moved; or a payout failed later (see `failureCode`).
 * - `canceled`: the payout was canceled.
 * - `rejected`: the gateway refused before any money moved (unknown recipient, payouts not
 *   enabled, no time left).
 * - `unknown`: Stripe's answer never came; the reconciliation job resolves it.
 * - `reversed`: the transfer was reversed (Stripe `transfer.reversed`, transfer mode).
 */
export type LedgerStatus = 'processing' | 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled' | 'rejected' | 'unknown' | 'reversed';

export const TERMINAL_LEDGER_STATUSES: readonly LedgerStatus[] = ['paid', 'failed', 'canceled', 'rejected', 'reversed'];

export interface StoredAnswer {
  statusCode: number;
  body: Record<string, unknown>;
}

export interface LedgerItem {
  cashOutId: string;
  status: LedgerStatus;
  mode: MoveKind;
  destinationEmail: string;
  amount: string;
  currency: string;
  amountMinor: number;
  fingerprint: string;
  /** The Stripe idempotency key every attempt for this cash-out uses. */
  stripeIdempotencyKey: string;
  attemptId: string;
  attempts: number;
  leaseExpiresAt: number;
  createdAt: string;
  updatedAt: string;
  payload: string;
  accountId?: string;
  /** Set just before the first Stripe create call: from here on, money may have moved. */
  stripeRequestSentAt?: string;
  stripeObjectId?: string;
  stripeObjectType?: 'payout' | 'transfer';
  /** The answer Village was given; a duplicate delivery gets the same one. */
  answer?: StoredAnswer;
  /** When that answer was recorded (items from before this field have only `updatedAt`). */
  answeredAt?: string;
  reason?: string;
  failureCode?: string;
  failureMessage?: string;
  /** `created` (unix seconds) of the newest Stripe event applied to this item. */
  lastEventCreated?: number;
  /** The id and type of that Stripe event. */
  lastEventId?: string;
  lastEventType?: string;
  /** Village was answered 200, then the payout failed, was canceled, or the transfer was reversed: the user has not been paid. */
  failedAfterPaid?: boolean;
  /** Village was answered non-200, yet Stripe shows the money moving: reconciliation must cancel or reverse it. */
  needsCompensation?: boolean;
  /** Transfers: how much of it was reversed (minor units). */
  amountReversed?: number;
}

export type NewLedgerItem = Omit<LedgerItem, 'status' | 'attempts' | 'updatedAt'>;

export type ClaimResult = { claimed: true; item: LedgerItem } | { claimed: false; existing: LedgerItem };

export class LedgerStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(cashOutId: string): Promise<LedgerItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { cashOutId }, ConsistentRead: true }));
    return result.Item as LedgerItem | undefined;
  }

  /** The idempotency claim: a conditional put, so exactly one invocation owns a cash-out. */
  async claim(fields: NewLedgerItem): Promise<ClaimResult> {
    const item: LedgerItem = { ...fields, status: 'processing', attempts: 1, updatedAt: fields.createdAt };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(cashOutId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true, item };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // The document client does not unmarshall the item that comes back on the exception.
      const fromError = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const existing = fromError ? (unmarshall(fromError) as LedgerItem) : await this.get(fields.cashOutId);
      if (!existing) throw error;
      return { claimed: false, existing };
    }
  }

  /**
   * Takes over a claim whose owner's lease has run out (it crashed or timed out). Only one
   * taker wins; the loser sees `undefined`.
   */
  async takeOver(existing: LedgerItem, attemptId: string, leaseExpiresAt: number, now: Date): Promise<LedgerItem | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { cashOutId: existing.cashOutId },
          UpdateExpression: 'SET attemptId = :new, leaseExpiresAt = :lease, updatedAt = :now ADD attempts :one',
          ConditionExpression: 'attemptId = :old AND #status = :processing AND attribute_not_exists(answer)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':new': attemptId, ':lease': leaseExpiresAt, ':now': now.toISOString(), ':one': 1, ':old': existing.attemptId, ':processing': 'processing' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes as LedgerItem;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /**
   * Writes fields of a claimed cash-out, fenced by `attemptId`: an invocation that lost its
   * claim cannot overwrite the new owner's work. Returns false when fenced out.
   */
  async update(cashOutId: string, attemptId: string, fields: Partial<LedgerItem>, now: Date): Promise<boolean> {
    const entries = Object.entries({ ...fields, updatedAt: now.toISOString() }).filter(([, value]) => value !== undefined);
    const names = Object.fromEntries(entries.map(([key], index) => [`#f${index}`, key]));
    const values = Object.fromEntries(entries.map(([, value], index) => [`:v${index}`, value]));
    const sets = entries.map((_, index) => `#f${index} = :v${index}`);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { cashOutId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attemptId = :attempt AND attribute_not_exists(answer)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':attempt': attemptId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

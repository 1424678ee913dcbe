import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../shared/dynamodb.js';
import { LedgerStore, type LedgerItem } from '../shared/ledger.js';
import { statusFields } from '../shared/status-index.js';
import { MONEY_MOVEMENT, orderingCondition } from './lifecycles.js';

export type MovementStatus = 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled' | 'reversed';

export interface LedgerChange {
  cashOutId: string;
  status: MovementStatus;
  /** The payout or transfer the event is about: it must be the one the item is bound to. */
  stripeObjectId: string;
  event: { id: string; type: string; created: number };
  fields: Partial<Pick<LedgerItem, 'failureCode' | 'failureMessage' | 'amountReversed' | 'failedAfterPaid' | 'needsCompensation'>> & {
    arrivalDate?: number;
    reconciliationStatus?: string;
  };
}

export type LedgerChangeResult = { applied: true; previous: LedgerItem } | { applied: false; current?: LedgerItem };

/**
 * The cash-out ledger as Stripe events see it: found by the Stripe object id or the cash-out
 * id, and moved along the payout lifecycle by conditional updates only.
 */
export class LedgerEvents {
  private readonly store: LedgerStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.store = new LedgerStore(db, tableName);
  }

  get(cashOutId: string): Promise<LedgerItem | undefined> {
    return this.store.get(cashOutId);
  }

  /** Through the `byStripeObjectId` index (eventually consistent; the cash-out id in metadata is tried first). */
  async findByStripeObjectId(stripeObjectId: string): Promise<LedgerItem | undefined> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byStripeObjectId',
        KeyConditionExpression: 'stripeObjectId = :id',
        ExpressionAttributeValues: { ':id': stripeObjectId },
        Limit: 2,
      }),
    );
    const [found] = (result.Items ?? []) as { cashOutId: string }[];
    return found ? this.store.get(found.cashOutId) : undefined;
  }

  /**
   * Moves the item to the event's status if the event is not older than the last one applied,
   * the status only moves forward (a paid payout may still fail; failed, canceled and
   * reversed are final), and the item is bound to this Stripe object. Only the gateway binds an
   * item (from Stripe's answer to its create call, or reconciliation finding its movement at
   * Stripe): an event never does, whatever its metadata says. An item still `processing`
   * belongs to the cash-out handler: the ordering condition never moves it. One reconciliation
   * raised to an operator without an answer (Village's is not known) keeps following Stripe.
   */
  async apply(change: LedgerChange, now: Date): Promise<LedgerChangeResult> {
    const ordering = orderingCondition(MONEY_MOVEMENT, change.status, change.event.created, ['unknown']);
    const assignments: Record<string, unknown> = {
      ...statusFields(change.cashOutId, change.status),
      lastEventCreated: change.event.created,
      lastEventId: change.event.id,
      lastEventType: change.event.type,
      updatedAt: now.toISOString(),
      ...change.fields,
    };
    const entries = Object.entries(assignments).filter(([, value]) => value !== undefined);
    const names: Record<string, string> = { ...ordering.names };
    const values: Record<string, unknown> = { ...ordering.values, ':objectId': change.stripeObjectId };
    const sets = entries.map(([key, value], index) => {
      names[`#a${index}`] = key;
      values[`:a${index}`] = value;
      return `#a${index} = :a${index}`;
    });
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { cashOutId: change.cashOutId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `${ordering.expression} AND stripeObjectId = :objectId`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { applied: true, previous: result.Attributes as LedgerItem };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return { applied: false, current: await this.store.get(change.cashOutId) };
    }
  }
}

import type { LedgerFields, LedgerItem, LedgerStatus } from './ledger-item.js';
import { LedgerTable, writeIf, type Guard } from './ledger-write.js';

/** What a Stripe event says of the payout or transfer a cash-out is bound to. */
export interface EventSettlement {
  cashOutId: string;
  status: LedgerStatus;
  /** The payout or transfer the event is about: it must be the one the item is bound to. */
  stripeObjectId: string;
  event: { id: string; type: string; created: number };
  fields: LedgerFields;
}

export type SettleResult = { applied: true; previous: LedgerItem } | { applied: false; current?: LedgerItem };

/**
 * The ledger as provider events settle it: found by the Stripe object id or the cash-out id
 * (the reads of every transition), and moved by conditional updates only.
 */
export class LedgerSettlement extends LedgerTable {
  /** Through the `byStripeObjectId` index (eventually consistent; the cash-out id in metadata is tried first). */
  async findByStripeObjectId(stripeObjectId: string): Promise<LedgerItem | undefined> {
    const cashOutId = await this.cashOutIdOf(stripeObjectId);
    return cashOutId ? this.get(cashOutId) : undefined;
  }

  /**
   * Moves the item to the event's status if `ordering` allows it (the event's lifecycle: not
   * older than the last one applied, and only forward) and the item is bound to this Stripe
   * object (`stripeObjectId = :objectId`). Only the gateway binds an item (from Stripe's answer
   * to its create call, or reconciliation finding its movement at Stripe): an event never does,
   * whatever its metadata says. Not applied: the item as it is now.
   */
  async settle(change: EventSettlement, ordering: Guard, now: Date): Promise<SettleResult> {
    const fields: LedgerFields = {
      status: change.status,
      lastEventCreated: change.event.created,
      lastEventId: change.event.id,
      lastEventType: change.event.type,
      updatedAt: now.toISOString(),
      ...change.fields,
    };
    const guard: Guard = {
      expression: `${ordering.expression} AND stripeObjectId = :objectId`,
      names: ordering.names,
      values: { ...ordering.values, ':objectId': change.stripeObjectId },
    };
    const result = await writeIf(this.db, this.tableName, change.cashOutId, fields, guard, { returnPrevious: true });
    if (result.written) return { applied: true, previous: result.previous! };
    return { applied: false, current: await this.get(change.cashOutId) };
  }
}

import { LedgerSettlement, type EventSettlement, type LedgerItem, type SettleResult } from '../shared/ledger.js';
import { orderingCondition, type Lifecycle } from '../shared/record-model.js';

export type MovementStatus = 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled' | 'reversed';

/** Payouts and transfers: Stripe's payout lifecycle, plus `reversed` for transfers. A paid payout can still fail. */
export const MONEY_MOVEMENT: Lifecycle<MovementStatus> = {
  rank: { pending: 0, canceled: 0.5, in_transit: 1, paid: 2, failed: 3, reversed: 3 },
  terminal: ['failed', 'canceled', 'reversed'],
  forwardOnly: true,
};

export interface LedgerChange extends EventSettlement {
  status: MovementStatus;
  fields: Partial<
    Pick<
      LedgerItem,
      'failureCode' | 'failureMessage' | 'amountReversed' | 'failedAfterPaid' | 'needsCompensation' | 'arrivalDate' | 'reconciliationStatus'
    >
  >;
}

export type LedgerChangeResult = SettleResult;

/**
 * The cash-out ledger as Stripe events see it: the ledger's settlement (LedgerSettlement),
 * along the money movement's lifecycle.
 */
export class LedgerEvents extends LedgerSettlement {
  /**
   * Moves the item to the event's status if the event is not older than the last one applied,
   * the status only moves forward (a paid payout may still fail; failed, canceled and reversed
   * are final), and the item is bound to this Stripe object. An item still `processing`
   * belongs to the cash-out handler: the ordering condition never moves it. One reconciliation
   * raised to an operator without an answer (Village's is not known) keeps following Stripe.
   */
  apply(change: LedgerChange, now: Date): Promise<LedgerChangeResult> {
    return this.settle(change, orderingCondition(MONEY_MOVEMENT, change.status, change.event.created, ['unknown']), now);
  }
}

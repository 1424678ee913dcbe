import type { StoredAnswer } from '../shared/ledger.js';
import { villageWasPaid, type MoneyObject, type ReconciledItem, type ReconciledStatus } from './decide.js';
import type { ItemResult, ReconcileDeps, ResultOf } from './job.js';
import type { ReconcileFields } from './store.js';

/** The Stripe object's fields the ledger item keeps. */
export function objectFields(
  object: MoneyObject | undefined,
): Partial<Pick<ReconciledItem, 'stripeObjectId' | 'stripeObjectType' | 'failureCode' | 'failureMessage' | 'amountReversed'>> {
  if (!object) return {};
  return {
    stripeObjectId: object.id,
    stripeObjectType: object.object,
    ...(object.failureCode ? { failureCode: object.failureCode, failureMessage: object.failureMessage } : {}),
    ...(object.amountReversed ? { amountReversed: object.amountReversed } : {}),
  };
}

/** What an item raised to an operator is written with. */
export function operatorFields(
  item: ReconciledItem,
  status: ReconciledStatus,
  reason: string,
  object: MoneyObject | undefined,
): ReconcileFields & { status: ReconciledStatus } {
  return {
    status,
    needsOperator: true,
    operatorReason: reason,
    ...objectFields(object),
    // Where no answer was recorded, what Village heard is not known: none is invented.
    ...(item.answer && !villageWasPaid(item) ? { needsCompensation: true } : {}),
  };
}

/**
 * What a redelivery of a cash-out whose attempt never answered is told from now on: not
 * paid. (Village already saw a timeout, which it treats as failed.)
 */
export function notPaidAnswer(cashOutId: string, reason: string): StoredAnswer {
  return {
    statusCode: 500,
    body: {
      error: 'cash_out_not_completed',
      message: `An earlier attempt at this cash-out did not finish; reconciliation settled it as not paid (${reason}).`,
      cashOutId,
    },
  };
}

/** Writes the item as needing an operator (`write`, guarded) and logs the error an operator alarm counts. */
export async function raiseToOperator(
  item: ReconciledItem,
  deps: Pick<ReconcileDeps, 'clock' | 'logger'>,
  status: ReconciledStatus,
  reason: string,
  object: MoneyObject | undefined,
  write: (at: Date) => Promise<boolean>,
  result: ResultOf,
): Promise<ItemResult> {
  const written = await write(new Date(deps.clock.now()));
  if (!written) return result('conflict', reason);
  // An operator alarm watches the ReconcileNeedsOperator metric this becomes.
  deps.logger.error('Cash-out needs an operator', {
    cashOutId: item.cashOutId,
    status,
    reason,
    stripeObjectId: object?.id ?? item.stripeObjectId,
    villageAnswer: item.answer?.statusCode,
  });
  return result('needs_operator', reason, status, object);
}

import { cashOutSubject } from '../shared/history.js';
import type { ItemResult, ReconcileDeps } from './job.js';

/** What a result means, in words, for the cash-out's story and the operator's screen. */
export function describeResult(item: ItemResult): string {
  const object = item.stripeObjectId ? ` (${item.stripeObjectId})` : '';
  switch (item.outcome) {
    case 'resolved':
      return `${item.from} → ${item.to ?? item.from}: ${item.reason}${object}`;
    case 'compensated':
      return `took the money back (${item.reason}): ${item.from} → ${item.to ?? '?'}${object}`;
    case 'needs_operator':
      return `raised to an operator: ${item.reason}${object}`;
    case 'unchanged':
      return `checked at Stripe: still ${item.to ?? item.from}${object}`;
    case 'planned':
      return plannedText(item, object);
    case 'conflict':
      return `nothing written: the item changed while it was being reconciled (${item.reason})`;
    default:
      return `${item.outcome.replace('_', ' ')}: ${WHY_NOT[item.reason] ?? item.reason}`;
  }
}

/** Why nothing is done (yet), for people. */
const WHY_NOT: Record<string, string> = {
  with_operator: 'it is with an operator; reconciliation leaves it alone',
  lease_valid: 'an invocation still holds it (its lease has not run out)',
  finished: 'it is settled; there is nothing to reconcile',
  too_recent: 'a crashed claim is looked at once it is old enough (Village may still redeliver it)',
  not_stale: 'the payout is not old enough to check',
  gone: 'there is no such cash-out',
  not_found_yet: 'Stripe shows no payout yet, and the request is less than 24 h old',
};

function plannedText(item: ItemResult, object: string): string {
  const [action, reason] = item.reason.split(':', 2);
  switch (action) {
    case 'record':
      return `would record ${item.from} → ${item.to ?? item.from} (${reason})${object}`;
    case 'operator':
      return `would raise it to an operator: ${reason}${object}`;
    case 'cancel_payout':
      return `would cancel the payout at Stripe${object}: Village was not told it was paid`;
    case 'reverse_transfer':
      return `would reverse the transfer at Stripe${object}: Village was not told it was paid`;
    case 'still_open_at_stripe':
      return `would only note the check: Stripe still has it ${item.from}${object}`;
    default:
      return `would ${item.reason}${object}`;
  }
}

/** Writes a decision into the cash-out's history; a failure is logged and changes nothing else. */
export async function noteDecision(
  result: ItemResult,
  deps: Pick<ReconcileDeps, 'history' | 'clock' | 'logger'>,
  by: { who: string; note?: string },
): Promise<void> {
  if (!deps.history) return;
  try {
    await deps.history.append(
      cashOutSubject(result.cashOutId),
      {
        who: by.who,
        action: 'reconcile',
        outcome: result.outcome,
        result: describeResult(result),
        cashOutId: result.cashOutId,
        ...(by.note ? { note: by.note } : {}),
      },
      new Date(deps.clock.now()),
    );
  } catch (error) {
    deps.logger.warn('Could not write a reconciliation decision to the history table', {
      cashOutId: result.cashOutId,
      error: error as Error,
    });
  }
}

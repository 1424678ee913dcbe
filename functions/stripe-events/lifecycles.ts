import { isTerminal, rankOf, type Lifecycle } from '../shared/lifecycle.js';

/**
 * Each kind of Stripe record's lifecycle (shared/lifecycle.ts), enforced in DynamoDB by
 * `orderingCondition`, never by reading first: an event applies only if its `created` is not
 * older than the last one applied (`lastEventCreated`), a terminal status never changes,
 * `forwardOnly` lifecycles (money movements) only move up in rank, and others may move
 * anywhere on a newer event and only up in rank between events created in the same second.
 */

/** Payouts and transfers: Stripe's payout lifecycle, plus `reversed` for transfers. A paid payout can still fail. */
export const MONEY_MOVEMENT: Lifecycle<'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled' | 'reversed'> = {
  rank: { pending: 0, canceled: 0.5, in_transit: 1, paid: 2, failed: 3, reversed: 3 },
  terminal: ['failed', 'canceled', 'reversed'],
  forwardOnly: true,
};

export type TransactionStatus =
  | 'buyer_approval_pending'
  | 'processing'
  | 'authorization_succeeded'
  | 'authorization_declined'
  | 'authorization_failed'
  | 'capture_pending'
  | 'capture_succeeded'
  | 'authorization_voided';

/** A payment (one per PaymentIntent), in the connector vocabulary. */
export const TRANSACTION: Lifecycle<TransactionStatus> = {
  rank: {
    buyer_approval_pending: 0,
    processing: 1,
    authorization_declined: 1,
    authorization_failed: 1,
    authorization_succeeded: 2,
    capture_pending: 3,
    capture_succeeded: 4,
    authorization_voided: 4,
  },
  terminal: ['capture_succeeded', 'authorization_voided'],
  forwardOnly: false,
};

/** Stripe refund statuses; a succeeded refund can still fail later. */
export const REFUND: Lifecycle<'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled'> = {
  rank: { pending: 0, requires_action: 0, succeeded: 1, failed: 2, canceled: 2 },
  terminal: ['failed', 'canceled'],
  forwardOnly: false,
};

/** Stripe dispute statuses; an inquiry (`warning_*`) can be escalated to a chargeback. */
export const DISPUTE: Lifecycle<
  'warning_needs_response' | 'warning_under_review' | 'warning_closed' | 'needs_response' | 'under_review' | 'won' | 'lost' | 'prevented'
> = {
  rank: {
    warning_needs_response: 0,
    warning_under_review: 1,
    warning_closed: 2,
    needs_response: 3,
    under_review: 4,
    won: 5,
    lost: 5,
    prevented: 5,
  },
  terminal: ['won', 'lost', 'prevented'],
  forwardOnly: false,
};

export const REPORT_RUN: Lifecycle<'pending' | 'succeeded' | 'failed'> = {
  rank: { pending: 0, succeeded: 1, failed: 1 },
  terminal: ['succeeded', 'failed'],
  forwardOnly: true,
};

export const CHECKOUT_SESSION: Lifecycle<'unpaid' | 'paid' | 'no_payment_required'> = {
  rank: { unpaid: 0, paid: 1, no_payment_required: 1 },
  terminal: [],
  forwardOnly: false,
};

/** A warning's status is a snapshot: the newest event wins. */
export const EARLY_FRAUD_WARNING: Lifecycle<'actionable' | 'not_actionable'> = {
  rank: { actionable: 0, not_actionable: 0 },
  terminal: [],
  forwardOnly: false,
};

/** Files and report types only ever exist (`available`); newer events refresh their fields. */
export const AVAILABLE: Lifecycle<'available'> = { rank: { available: 0 }, terminal: [], forwardOnly: false };

export interface ConditionParts {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/**
 * The ConditionExpression (a top-level AND) that lets `target`, from an event created at
 * `created`, replace the stored status. `alsoFrom` are statuses outside the lifecycle the item may move from
 * (the ledger's `unknown`).
 */
export function orderingCondition<S extends string>(
  lifecycle: Lifecycle<S>,
  target: S,
  created: number,
  alsoFrom: readonly string[] = [],
): ConditionParts {
  const statuses = Object.keys(lifecycle.rank) as S[];
  const open = (status: S) => !isTerminal(lifecycle, status);
  const upTo = (status: S) => open(status) && rank(lifecycle, status) <= rank(lifecycle, target);
  const newer = unique([...statuses.filter(lifecycle.forwardOnly ? upTo : open), target, ...alsoFrom]);
  const sameSecond = unique([...statuses.filter(upTo), target, ...alsoFrom]);
  const values: Record<string, unknown> = { ':created': created };
  const list = (prefix: string, items: string[]) =>
    items
      .map((status, index) => {
        values[`:${prefix}${index}`] = status;
        return `:${prefix}${index}`;
      })
      .join(', ');
  const names = { '#status': 'status' };
  const notOlder = '(attribute_not_exists(lastEventCreated) OR lastEventCreated <= :created)';
  if (lifecycle.forwardOnly) {
    return { expression: `${notOlder} AND #status IN (${list('from', newer)})`, names, values };
  }
  // One placeholder per status, shared by both lists.
  const placeholder = new Map(unique([...sameSecond, ...newer]).map((status, index) => [status, `:s${index}`]));
  for (const [status, name] of placeholder) values[name] = status;
  const of = (items: string[]) => items.map((status) => placeholder.get(status)!).join(', ');
  // Every status it may move from in a newer second it may move from in the same second: the
  // time check is `notOlder` alone (a payment's capture, say).
  if (newer.every((status) => sameSecond.includes(status)))
    return { expression: `${notOlder} AND #status IN (${of(sameSecond)})`, names, values };
  // A top-level AND, so callers can put it in one pair of parentheses (DynamoDB refuses redundant ones).
  const expression = `${notOlder} AND (#status IN (${of(sameSecond)}) OR ((attribute_not_exists(lastEventCreated) OR lastEventCreated < :created) AND #status IN (${of(newer)})))`;
  return { expression, names, values };
}

const rank = <S extends string>(lifecycle: Lifecycle<S>, status: S): number => rankOf(lifecycle, status) ?? 0;

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

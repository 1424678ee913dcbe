import { changeRecord, recordOutcome, type StripeDeps, type ApplyOutcome } from './inbox.js';
import type { Lifecycle } from '../shared/record-model.js';
import { ofEvent, type RecordFields } from './record-entries.js';
import type { Envelope, StripeObjects } from './event.js';

/**
 * What may follow a payment: refunds, disputes and early fraud warnings, each a record of its
 * own that names the payment's `transaction` record (`transactionId`).
 */

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

/** A warning's status is a snapshot: the newest event wins. */
export const EARLY_FRAUD_WARNING: Lifecycle<'actionable' | 'not_actionable'> = {
  rank: { actionable: 0, not_actionable: 0 },
  terminal: [],
  forwardOnly: false,
};

export async function applyRefund(envelope: Envelope, refund: StripeObjects['refund'], deps: StripeDeps): Promise<ApplyOutcome> {
  const result = await changeTakenBack(envelope, deps, 'refund', REFUND, refund, { failureReason: refund.failure_reason });
  if (result.applied && refund.status === 'failed' && result.previous?.status !== 'failed') {
    deps.logger.warn('A refund failed', {
      refundId: refund.id,
      transactionId: transactionOf(refund),
      failureReason: refund.failure_reason,
    });
  }
  return recordOutcome(`refund ${refund.id}`, result, refund.status);
}

const DISPUTE_FUNDS: Readonly<Record<string, string>> = {
  'charge.dispute.funds_withdrawn': 'withdrawn',
  'charge.dispute.funds_reinstated': 'reinstated',
};

export async function applyDispute(envelope: Envelope, dispute: StripeObjects['dispute'], deps: StripeDeps): Promise<ApplyOutcome> {
  const result = await changeTakenBack(envelope, deps, 'dispute', DISPUTE, dispute, {
    evidenceDueBy: dispute.evidence_details?.due_by ?? undefined,
    funds: DISPUTE_FUNDS[envelope.type],
  });
  if (result.applied && envelope.type === 'charge.dispute.created') {
    deps.logger.warn('A payment was disputed', { disputeId: dispute.id, transactionId: transactionOf(dispute), reason: dispute.reason });
  }
  return recordOutcome(`dispute ${dispute.id}`, result, dispute.status);
}

export async function applyEarlyFraudWarning(
  envelope: Envelope,
  warning: StripeObjects['early_fraud_warning'],
  deps: StripeDeps,
): Promise<ApplyOutcome> {
  const status = warning.actionable ? 'actionable' : 'not_actionable';
  const result = await changeRecord(envelope, deps, {
    id: warning.id,
    kind: 'early_fraud_warning',
    status,
    lifecycle: EARLY_FRAUD_WARNING,
    fields: {
      ...ofPayment(envelope, warning),
      fraudType: warning.fraud_type,
    },
  });
  return recordOutcome(`early fraud warning ${warning.id}`, result, status);
}

interface TakenBack<S extends string> {
  id: string;
  status: S;
  payment_intent?: string;
  charge?: string;
  amount: number;
  currency: string;
  reason?: string;
}

/**
 * A refund's or a dispute's record from this event: what both keep (the payment they take
 * money back from, how much, and why), and `fields` of its own.
 */
function changeTakenBack<S extends string>(
  envelope: Envelope,
  deps: StripeDeps,
  kind: 'refund' | 'dispute',
  lifecycle: Lifecycle<S>,
  object: TakenBack<S>,
  fields: RecordFields,
) {
  return changeRecord(envelope, deps, {
    id: object.id,
    kind,
    status: object.status,
    lifecycle,
    fields: {
      ...ofPayment(envelope, object),
      amount: object.amount,
      currency: object.currency,
      reason: object.reason,
      ...fields,
    },
  });
}

/** The payment a record names (its `transaction` record's id: the PaymentIntent's, else the charge's). */
const ofPayment = (envelope: Envelope, object: { payment_intent?: string; charge?: string }): RecordFields => ({
  ...ofEvent(envelope),
  transactionId: transactionOf(object),
  paymentIntentId: object.payment_intent,
  chargeId: object.charge,
});

/** The `transaction` record a refund, dispute or warning names: its PaymentIntent's id, else its charge's. */
const transactionOf = (object: { payment_intent?: string; charge?: string }) => object.payment_intent ?? object.charge;

import { changeRecord, combine, recordOutcome, type StripeDeps, type ApplyOutcome } from './inbox.js';
import { applyRefund } from './apply-refund-dispute.js';
import type { Lifecycle } from '../shared/record-model.js';
import { ofEvent, type RecordFields } from './record-entries.js';
import type { RecordChange } from './record-store.js';
import { Refund, type Envelope, type StripeObjects } from './event.js';

/**
 * Payment events keep one `transaction` record per PaymentIntent (or per charge, for a charge
 * made without one), keyed by that id (`stripeId`: the PaymentIntent's is not repeated in a
 * field), its `status` in the connector vocabulary, moving along `TRANSACTION` (a lifecycle:
 * shared/record-model.ts); refunds, disputes and early fraud warnings are records of their own
 * that name the transaction (apply-refund-dispute.ts).
 */

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

export const CHECKOUT_SESSION: Lifecycle<'unpaid' | 'paid' | 'no_payment_required'> = {
  rank: { unpaid: 0, paid: 1, no_payment_required: 1 },
  terminal: [],
  forwardOnly: false,
};

type PaymentIntent = StripeObjects['payment_intent'];
type Charge = StripeObjects['charge'];

/** A failed attempt: declined when the card or its issuer said no, failed for anything else. */
function attemptFailure(errorType: string | undefined, declined: boolean): TransactionStatus {
  return declined || errorType === 'card_error' ? 'authorization_declined' : 'authorization_failed';
}

export function paymentIntentStatus(intent: PaymentIntent): TransactionStatus {
  switch (intent.status) {
    case 'requires_payment_method':
      // Back to the buyer; with an error, because the last attempt failed.
      return intent.last_payment_error
        ? attemptFailure(intent.last_payment_error.type, Boolean(intent.last_payment_error.decline_code))
        : 'buyer_approval_pending';
    case 'requires_confirmation':
    case 'requires_action':
      return 'buyer_approval_pending';
    case 'processing':
      return 'processing';
    case 'requires_capture':
      return 'authorization_succeeded';
    case 'succeeded':
      return 'capture_succeeded';
    case 'canceled':
      return 'authorization_voided';
  }
}

export function chargeStatus(charge: Charge): TransactionStatus {
  if (charge.status === 'failed') {
    const outcome = charge.outcome?.type;
    return attemptFailure(undefined, outcome === 'issuer_declined' || outcome === 'blocked' || charge.failure_code === 'card_declined');
  }
  if (charge.status === 'pending') return charge.captured ? 'capture_pending' : 'processing';
  if (charge.captured) return 'capture_succeeded';
  // An uncaptured authorization that expired (charge.expired) is released: Stripe marks it refunded.
  return charge.refunded ? 'authorization_voided' : 'authorization_succeeded';
}

export async function applyPaymentIntent(envelope: Envelope, intent: PaymentIntent, deps: StripeDeps): Promise<ApplyOutcome> {
  const status = paymentIntentStatus(intent);
  const error = intent.last_payment_error;
  return transaction(envelope, intent.id, status, deps, {
    paymentIntentStatus: intent.status,
    ...moneyAndBuyer(intent),
    amountCapturable: intent.amount_capturable ?? undefined,
    amountReceived: intent.amount_received ?? undefined,
    latestChargeId: intent.latest_charge,
    // The pair moves together, or a charge event's guard (applyCharge) compares against another
    // charge's time. The event names the charge by id only; it existed when the event was
    // created, so that time bounds its own from above: an event about an earlier charge is then
    // refused, one about a charge made after this event still applies.
    latestChargeCreated: intent.latest_charge ? envelope.created : undefined,
    cancellationReason: intent.cancellation_reason,
    failureCode: error?.code,
    declineCode: error?.decline_code,
    failureMessage: error?.message,
  });
}

export async function applyCharge(envelope: Envelope, charge: Charge, deps: StripeDeps): Promise<ApplyOutcome> {
  const transactionId = charge.payment_intent ?? charge.id;
  const status = chargeStatus(charge);
  // A PaymentIntent may have several charges (a declined attempt, then a retry): an event
  // about an older charge — even a newer event, such as charge.updated — must not move the
  // payment back, so a charge event applies only to the PaymentIntent's latest charge.
  const latestChargeOnly = charge.payment_intent
    ? {
        expression: 'attribute_not_exists(latestChargeId) OR latestChargeId = :chargeId OR latestChargeCreated <= :chargeCreated',
        values: { ':chargeId': charge.id, ':chargeCreated': charge.created },
      }
    : undefined;
  const outcomes = [
    await transaction(
      envelope,
      transactionId,
      status,
      deps,
      {
        latestChargeId: charge.id,
        latestChargeCreated: charge.created,
        chargeStatus: charge.status,
        ...moneyAndBuyer(charge),
        amountCaptured: charge.amount_captured ?? undefined,
        amountRefunded: charge.amount_refunded ?? undefined,
        failureCode: charge.failure_code,
        failureMessage: charge.failure_message,
        outcomeType: charge.outcome?.type,
      },
      latestChargeOnly,
    ),
  ];
  // charge.refunded carries its refunds only in older API versions (or when expanded).
  for (const raw of charge.refunds?.data ?? []) {
    const refund = Refund.safeParse(raw);
    if (refund.success) outcomes.push(await applyRefund(envelope, refund.data, deps));
  }
  return combine(outcomes);
}

/** A delayed payment method (bank debit…) succeeded: the session is paid, and so is its PaymentIntent. */
export async function applyCheckoutSession(
  envelope: Envelope,
  session: StripeObjects['checkout_session'],
  deps: StripeDeps,
): Promise<ApplyOutcome> {
  const outcomes: ApplyOutcome[] = [];
  const result = await changeRecord(envelope, deps, {
    id: session.id,
    kind: 'checkout_session',
    status: session.payment_status,
    lifecycle: CHECKOUT_SESSION,
    fields: {
      ...ofEvent(envelope),
      transactionId: session.payment_intent,
      paymentIntentId: session.payment_intent,
      amount: session.amount_total ?? undefined,
      currency: session.currency,
      sessionStatus: session.status,
    },
  });
  outcomes.push(recordOutcome(`checkout session ${session.id}`, result, session.payment_status));
  if (session.payment_intent && envelope.type === 'checkout.session.async_payment_succeeded') {
    outcomes.push(
      await transaction(envelope, session.payment_intent, 'capture_succeeded', deps, {
        checkoutSessionId: session.id,
        amount: session.amount_total ?? undefined,
        currency: session.currency,
      }),
    );
  }
  return combine(outcomes);
}

async function transaction(
  envelope: Envelope,
  id: string,
  status: TransactionStatus,
  deps: StripeDeps,
  fields: RecordFields,
  guard?: RecordChange<TransactionStatus>['guard'],
): Promise<ApplyOutcome> {
  const result = await changeRecord(envelope, deps, {
    id,
    kind: 'transaction',
    status,
    lifecycle: TRANSACTION,
    fields: { ...ofEvent(envelope), ...fields },
    guard,
  });
  return recordOutcome(`transaction ${id}`, result, status);
}

/** The amount (minor units, as Stripe sent it), its currency and the customer, as a transaction keeps them. */
const moneyAndBuyer = (object: { amount: number; currency: string; customer?: string }): RecordFields => ({
  amount: object.amount,
  currency: object.currency,
  customer: object.customer,
});

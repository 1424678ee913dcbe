import type { StoredAnswer } from '../shared/ledger.js';
import { applyAccount } from './apply-account.js';
import { applyCharge, applyCheckoutSession, applyPaymentIntent } from './apply-payment.js';
import { applyDispute, applyEarlyFraudWarning, applyRefund } from './apply-refund-dispute.js';
import { applyMovement, payoutMovement, transferMovement } from './apply-payout.js';
import { applyFile, applyReportRun, applyReportType } from './apply-reporting.js';
import { takeStripeEvent, type ApplyOutcome, type StripeDeps } from './inbox.js';
import type { Envelope, ObjectKind, StripeEvent, StripeObjects } from './event.js';

/**
 * One verified, parsed event, exactly once (the inbox keeps and settles it: inbox.ts), then
 * answered: 200 with what applying did, or a duplicate's first outcome; 409 while another
 * delivery holds it; 503 when it is deferred (a payout still being paid), so Stripe retries.
 * Its common path is one DynamoDB write.
 */
export async function processStripeEvent(event: StripeEvent, rawBody: string, deps: StripeDeps): Promise<StoredAnswer> {
  const { envelope } = event;
  const taken = await takeStripeEvent(event, rawBody, deps, applyEvent);
  switch (taken.kind) {
    case 'duplicate':
      deps.onMetric?.('StripeEvent_duplicate');
      deps.logger.info('Duplicate Stripe event; already applied', { outcome: taken.outcome });
      return { statusCode: 200, body: { received: true, eventId: envelope.id, duplicate: true, outcome: taken.outcome } };
    case 'in_flight':
      deps.onMetric?.('StripeEvent_in_flight');
      return {
        statusCode: 409,
        body: {
          error: 'event_in_flight',
          message: 'Another delivery of this event is being applied; Stripe will retry.',
          eventId: envelope.id,
        },
      };
    case 'deferred':
      deps.onMetric?.(`StripeEvent_${taken.reason}`);
      deps.logger.info('Stripe event deferred; Stripe will deliver it again', { reason: taken.reason });
      return { statusCode: 503, body: { error: taken.reason, message: taken.message, eventId: envelope.id } };
    case 'applied': {
      const { result, kept } = taken;
      deps.onMetric?.(`StripeEvent_${result.outcome}`);
      deps.logger.info('Stripe event processed', { outcome: result.outcome, detail: result.detail, kept });
      const body = { received: true, eventId: envelope.id, type: envelope.type, outcome: result.outcome };
      return { statusCode: 200, body: { ...body, ...(result.detail ? { detail: result.detail } : {}) } };
    }
  }
}

/** The function that applies each kind of object. */
const APPLY: { [K in ObjectKind]: (envelope: Envelope, object: StripeObjects[K], deps: StripeDeps) => Promise<ApplyOutcome> } = {
  payout: (envelope, payout, deps) => applyMovement(envelope, payoutMovement(envelope, payout), deps),
  transfer: (envelope, transfer, deps) => applyMovement(envelope, transferMovement(envelope, transfer), deps),
  payment_intent: applyPaymentIntent,
  charge: applyCharge,
  refund: applyRefund,
  dispute: applyDispute,
  early_fraud_warning: applyEarlyFraudWarning,
  checkout_session: applyCheckoutSession,
  account: applyAccount,
  file: applyFile,
  report_run: applyReportRun,
  report_type: applyReportType,
};

/**
 * Each kind of object to the function that applies it (APPLY); any other type, and any event of
 * the other Stripe mode than the gateway's, is stored only.
 */
export function applyEvent({ envelope, parsed }: StripeEvent, deps: StripeDeps): Promise<ApplyOutcome> {
  if (envelope.livemode !== deps.livemode) {
    const mode = (live: boolean) => (live ? 'live' : 'test');
    return Promise.resolve({
      outcome: 'other_mode',
      detail: `a ${mode(envelope.livemode)}-mode event on a ${mode(deps.livemode)}-mode gateway; stored only`,
    });
  }
  if (parsed.kind === 'unknown')
    return Promise.resolve({ outcome: 'ignored', detail: `${envelope.type} is not an event the gateway acts on; stored only` });
  // The kind and its object come as a pair (ParsedObject); TypeScript cannot follow the pair into the table.
  const apply = APPLY[parsed.kind] as (envelope: Envelope, object: unknown, deps: StripeDeps) => Promise<ApplyOutcome>;
  return apply(envelope, parsed.object, deps);
}

import { makeMetrics, type Metrics } from '../shared/telemetry.js';

/**
 * The metrics of applying Stripe events (PayoutFailedAfterPaid, LedgerAnomaly…), under one
 * service name whichever function applies the event, the webhook or catch-up: the alarms
 * watch that name.
 */
export function makeStripeEventsMetrics(): Metrics {
  return makeMetrics('stripe-events');
}

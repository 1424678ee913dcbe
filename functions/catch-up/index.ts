import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeStripeEventsMetrics } from '../stripe-events/telemetry.js';
import { makeCatchUpHandler } from './handler.js';
import { catchUpDepsFromEnv } from './wiring.js';

const logger = makeLogger('catch-up');
const metrics = makeMetrics('catch-up');
const eventMetrics = makeStripeEventsMetrics();

/** Configuration is read once, at cold start: a missing setting fails here, naming it. The handler is middy's (handler.ts). */
export const handler = makeCatchUpHandler(catchUpDepsFromEnv(process.env, { logger, metrics, eventMetrics }), {
  metrics: [metrics, eventMetrics],
});

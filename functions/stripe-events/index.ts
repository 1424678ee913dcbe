import { makeLogger } from '../shared/telemetry.js';
import { makeStripeEventsHandler } from './handler.js';
import { makeStripeEventsMetrics } from './telemetry.js';
import { stripeEventsDepsFromEnv } from './wiring.js';

const logger = makeLogger('stripe-events');
const metrics = makeStripeEventsMetrics();

/** Configuration is read once, at cold start: a missing setting fails here, naming it. The handler is middy's (handler.ts). */
export const handler = makeStripeEventsHandler(stripeEventsDepsFromEnv(process.env, { logger, metrics }), { metrics });

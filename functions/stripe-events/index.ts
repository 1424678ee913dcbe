import { lambdaHandler } from '../shared/lambda.js';
import { makeLogger } from '../shared/telemetry.js';
import { makeStripeEventsHandler } from './handler.js';
import { makeStripeEventsMetrics } from './telemetry.js';
import { stripeEventsDepsFromEnv } from './wiring.js';

const logger = makeLogger('stripe-events');
const metrics = makeStripeEventsMetrics();

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = lambdaHandler(makeStripeEventsHandler(stripeEventsDepsFromEnv(process.env, { logger, metrics })), { logger, metrics });

import { lambdaHandler } from '../shared/lambda.js';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeStripeEventsHandler } from './handler.js';
import { stripeEventsDepsFromEnv } from './wiring.js';

const logger = makeLogger('stripe-events');
const metrics = makeMetrics('stripe-events');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = lambdaHandler(makeStripeEventsHandler(stripeEventsDepsFromEnv(process.env, { logger, metrics })), { logger, metrics });

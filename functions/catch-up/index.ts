import { lambdaHandler } from '../shared/lambda.js';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeStripeEventsMetrics } from '../stripe-events/telemetry.js';
import { makeCatchUpHandler } from './handler.js';
import { catchUpDepsFromEnv } from './wiring.js';

const logger = makeLogger('catch-up');
const metrics = makeMetrics('catch-up');
const eventMetrics = makeStripeEventsMetrics();

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = lambdaHandler(makeCatchUpHandler(catchUpDepsFromEnv(process.env, { logger, metrics, eventMetrics })), { logger, metrics: [metrics, eventMetrics] });

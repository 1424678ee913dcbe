import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeStripeEventsHandler } from './handler.js';
import { stripeEventsDepsFromEnv } from './wiring.js';

const logger = makeLogger('stripe-events');
const metrics = makeMetrics('stripe-events');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = middy(makeStripeEventsHandler(stripeEventsDepsFromEnv(process.env, { logger, metrics })))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

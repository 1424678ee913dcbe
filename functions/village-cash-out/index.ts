import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeVillageCashOutHandler } from './handler.js';
import { villageDepsFromEnv } from './wiring.js';

const logger = makeLogger('village-cash-out');
const metrics = makeMetrics('village-cash-out');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = middy(makeVillageCashOutHandler(villageDepsFromEnv(process.env, { logger, metrics })))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

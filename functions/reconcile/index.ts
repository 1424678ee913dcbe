import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeReconcileHandler } from './handler.js';
import { reconcileDepsFromEnv } from './wiring.js';

const logger = makeLogger('reconcile');
const metrics = makeMetrics('reconcile');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = middy(makeReconcileHandler(reconcileDepsFromEnv(process.env, { logger, metrics })))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

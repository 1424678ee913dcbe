import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeJustWalletHandler } from './handler.js';
import { justWalletDepsFromEnv } from './wiring.js';

const logger = makeLogger('just-wallet');
const metrics = makeMetrics('just-wallet');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = middy(makeJustWalletHandler(justWalletDepsFromEnv(process.env, { logger, metrics })))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

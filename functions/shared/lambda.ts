import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Logger, Metrics } from './telemetry.js';

/**
 * A route's handler as Lambda runs it: Powertools adds the Lambda context to every log line
 * and publishes the metrics after each invocation. Every index.ts (and the benchmark) uses this.
 */
export function lambdaHandler<TEvent, TResult>(core: (event: TEvent, context: Context) => Promise<TResult>, telemetry: { logger: Logger; metrics: Metrics }) {
  return middy(core).use(injectLambdaContext(telemetry.logger)).use(logMetrics(telemetry.metrics));
}

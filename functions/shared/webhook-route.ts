import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { systemClock, type Clock } from './clock.js';
import type { Env } from './config.js';
import { makeDocumentClient } from './dynamodb.js';
import { httpErrors, type HttpErrorsOptions } from './http-errors.js';
import type { HttpResponse } from './responses.js';
import type { Logger, Metrics } from './telemetry.js';

/** What a webhook route reads of API Gateway's event: the raw body, the headers, the request's id and time. */
export type WebhookRequest = Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'> & {
  requestContext?: Partial<APIGatewayProxyEventV2['requestContext']>;
};

/**
 * A webhook route as Lambda runs it: Powertools' middlewares (the Lambda context on every log
 * line, the invocation's keys reset, metrics published after each invocation, answered or
 * thrown; the event itself never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says, as it
 * carries signature headers) and the one error answer (httpErrors). middy's early-timeout race
 * is off: a route keeps its own deadlines.
 */
export function webhookHandler<E extends WebhookRequest>(
  route: (event: E, context: Context) => Promise<HttpResponse>,
  errors: HttpErrorsOptions,
  metrics: Metrics | undefined,
) {
  return middy<E, HttpResponse, Error, Context>(route, { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(errors.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics ? [metrics] : []))
    .use(httpErrors(errors));
}

/** What a route's wiring is given besides its configuration: the same in Lambda, the local gateway and the benchmark. */
export interface RouteWiring {
  env: Env;
  db: DynamoDBDocumentClient;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * A route's real dependencies from the environment: its configuration read (and checked) by
 * `configOf`, a document client for its DYNAMODB_ENDPOINT unless one is given (the benchmark
 * counts calls on its own), the system clock unless another is given.
 */
export function depsFromEnv<C extends { DYNAMODB_ENDPOINT?: string }, D>(
  configOf: (env: Env) => C,
  build: (config: C, wiring: RouteWiring) => D,
) {
  return (env: Env, telemetry: { logger: Logger; metrics?: Metrics }, clock: Clock = systemClock, db?: DynamoDBDocumentClient): D => {
    const config = configOf(env);
    return build(config, { env, db: db ?? makeDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT }), clock, ...telemetry });
  };
}

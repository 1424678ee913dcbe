import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { readRawBody } from '../shared/http.js';
import { httpErrors } from '../shared/http-errors.js';
import { json, type HttpResponse } from '../shared/responses.js';
import type { SecretSource } from '../shared/secrets.js';
import type { Metrics } from '../shared/telemetry.js';
import { processCashOut, type CashOutDeps } from './cash-out.js';
import { parseCashOut } from './payload.js';
import { verifyVillageSignature } from './signature.js';

export interface VillageHandlerDeps extends CashOutDeps {
  villageSecret: SecretSource;
  signatureHeaders: readonly string[];
  idFields: readonly string[];
  /** Refuse a body without an id field, rather than know it by the hash of its bytes. */
  requireCashOutId?: boolean;
  deadlineMs: number;
  answerMarginMs: number;
  maxBodyBytes: number;
}

export type CashOutEvent = Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'> & {
  requestContext?: Partial<APIGatewayProxyEventV2['requestContext']>;
};

/** Left of the function's own time limit for answering at all (a write still running is abandoned). */
const HARD_STOP_MARGIN_MS = 250;

/**
 * The route as Lambda runs it: Powertools' middlewares (the Lambda context on every log line,
 * the invocation's keys reset, metrics published after each invocation, answered or thrown;
 * the event itself never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says, as it carries
 * signature headers) and the one error answer.
 * middy's early-timeout race is off: the route keeps its own deadlines (hardStopAt).
 */
export function makeVillageCashOutHandler(deps: VillageHandlerDeps, telemetry: { metrics?: Metrics } = {}) {
  return middy<CashOutEvent, HttpResponse, Error, Context>(villageCashOut(deps), { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(telemetry.metrics ? [telemetry.metrics] : []))
    .use(httpErrors({ logger: deps.logger, subject: 'Cash-out request', onStatus: (status) => deps.onOutcome?.(`http_${status}`) }));
}

/**
 * API Gateway event in, response out: verify, parse, pay, answer. A refusal or failure is
 * thrown as a typed error and answered by the error middleware; nothing runs between the
 * payment's answer and its return here.
 */
function villageCashOut(deps: VillageHandlerDeps) {
  return async (event: CashOutEvent, context?: Partial<Pick<Context, 'getRemainingTimeInMillis'>>): Promise<HttpResponse> => {
    const now = deps.clock.now();
    const received = Math.min(event.requestContext?.timeEpoch ?? now, now);
    const remaining = context?.getRemainingTimeInMillis?.() ?? deps.deadlineMs;
    const deadlineAt = Math.min(received + deps.deadlineMs, now + remaining) - deps.answerMarginMs;
    const leaseExpiresAt = now + Math.max(remaining, deps.deadlineMs) + 1000;
    const hardStopAt = now + remaining - HARD_STOP_MARGIN_MS;
    deps.logger.appendKeys({ correlationId: event.requestContext?.requestId });
    const body = readRawBody(event, deps.maxBodyBytes);
    await verifyVillageSignature(event.headers, body.bytes, deps.villageSecret, deps.signatureHeaders);
    const request = parseCashOut(body.text, body.bytes, deps.mode, deps.idFields, { requireId: deps.requireCashOutId });
    deps.logger.appendKeys({ cashOutId: request.cashOutId });
    const result = await processCashOut(request, deps, { deadlineAt, leaseExpiresAt, hardStopAt });
    const response = json(result.statusCode, result.body);
    if (result.replayed) response.headers = { ...response.headers, 'x-idempotent-replayed': 'true' };
    return response;
  };
}

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { readRawBody } from '../shared/http.js';
import { httpErrors } from '../shared/http-errors.js';
import { json, type HttpResponse } from '../shared/responses.js';
import type { SecretSource } from '../shared/secrets.js';
import type { Metrics } from '../shared/telemetry.js';
import { parseJustWalletEvent } from './payload.js';
import { recordJustWalletEvent, type RecordEventDeps } from './inbox.js';
import { verifyJustWalletSignature, type SignatureMode } from './signature.js';

export interface JustWalletHandlerDeps extends RecordEventDeps {
  webhookSecret: SecretSource;
  signatureMode: SignatureMode;
  maxBodyBytes: number;
}

export type JustWalletRequest = Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'> & {
  requestContext?: Partial<APIGatewayProxyEventV2['requestContext']>;
};

/** The route as Lambda runs it: Powertools' middlewares and the one error answer (see the Village route). */
export function makeJustWalletHandler(deps: JustWalletHandlerDeps, telemetry: { metrics?: Metrics } = {}) {
  return middy<JustWalletRequest, HttpResponse, Error, Context>(justWalletEvent(deps), { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(telemetry.metrics ? [telemetry.metrics] : []))
    .use(httpErrors({ logger: deps.logger, subject: 'Just Wallet event', onStatus: (status) => deps.onOutcome?.(`http_${status}`) }));
}

/** API Gateway event in, response out: verify, parse, record, answer 200 (Just Wallet ignores the body). */
function justWalletEvent(deps: JustWalletHandlerDeps) {
  return async (event: JustWalletRequest): Promise<HttpResponse> => {
    deps.logger.appendKeys({ correlationId: event.requestContext?.requestId });
    const body = readRawBody(event, deps.maxBodyBytes);
    await verifyJustWalletSignature(event.headers, body, deps.webhookSecret, deps.signatureMode);
    const parsed = parseJustWalletEvent(body.text, body.bytes);
    const outcome = await recordJustWalletEvent(parsed, body.text, deps);
    return json(200, { received: true, eventKey: parsed.eventKey, outcome });
  };
}

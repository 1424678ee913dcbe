import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { readRawBody } from '../shared/http.js';
import { errorResponse, json, type HttpResponse } from '../shared/responses.js';
import type { SecretSource } from '../shared/secrets.js';
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

/** API Gateway event in, response out: verify, parse, pay, answer. */
export function makeVillageCashOutHandler(deps: VillageHandlerDeps) {
  return async (event: CashOutEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<HttpResponse> => {
    const now = deps.clock.now();
    const received = Math.min(event.requestContext?.timeEpoch ?? now, now);
    const remaining = context?.getRemainingTimeInMillis?.() ?? deps.deadlineMs;
    const deadlineAt = Math.min(received + deps.deadlineMs, now + remaining) - deps.answerMarginMs;
    const leaseExpiresAt = now + Math.max(remaining, deps.deadlineMs) + 1000;
    const hardStopAt = now + remaining - HARD_STOP_MARGIN_MS;
    deps.logger.appendKeys({ correlationId: event.requestContext?.requestId });
    try {
      const body = readRawBody(event, deps.maxBodyBytes);
      await verifyVillageSignature(event.headers, body.bytes, deps.villageSecret, deps.signatureHeaders);
      const request = parseCashOut(body.text, body.bytes, deps.mode, deps.idFields, { requireId: deps.requireCashOutId });
      deps.logger.appendKeys({ cashOutId: request.cashOutId });
      const result = await processCashOut(request, deps, { deadlineAt, leaseExpiresAt, hardStopAt });
      const response = json(result.statusCode, result.body);
      if (result.replayed) response.headers = { ...response.headers, 'x-idempotent-replayed': 'true' };
      return response;
    } catch (error) {
      const response = errorResponse(error);
      if (response.statusCode >= 500) deps.logger.error('Cash-out request failed', { error: error as Error });
      else deps.logger.warn('Cash-out request refused', { statusCode: response.statusCode, reason: JSON.parse(response.body).error });
      deps.onOutcome?.(`http_${response.statusCode}`);
      return response;
    } finally {
      deps.logger.removeKeys(['cashOutId', 'correlationId']);
    }
  };
}

import type { Context } from 'aws-lambda';
import { readRawBody } from '../shared/http.js';
import { json, type HttpResponse } from '../shared/responses.js';
import type { SecretSource } from '../shared/secrets.js';
import type { Metrics } from '../shared/telemetry.js';
import { webhookHandler, type WebhookRequest } from '../shared/webhook-route.js';
import type { CashOutDeps } from './answer.js';
import { processCashOut } from './cash-out.js';
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

export type CashOutEvent = WebhookRequest;

/** Left of the function's own time limit for answering at all (a write still running is abandoned). */
const HARD_STOP_MARGIN_MS = 250;

/** The route as Lambda runs it (webhookHandler: Powertools' middlewares and the one error answer); its deadlines are its own (hardStopAt). */
export function makeVillageCashOutHandler(deps: VillageHandlerDeps, telemetry: { metrics?: Metrics } = {}) {
  const errors = { logger: deps.logger, subject: 'Cash-out request', onStatus: (status: number) => deps.onOutcome?.(`http_${status}`) };
  return webhookHandler(villageCashOut(deps), errors, telemetry.metrics);
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

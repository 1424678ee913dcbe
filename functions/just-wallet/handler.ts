import { readRawBody } from '../shared/http.js';
import { json, type HttpResponse } from '../shared/responses.js';
import type { SecretSource } from '../shared/secrets.js';
import type { Metrics } from '../shared/telemetry.js';
import { webhookHandler, type WebhookRequest } from '../shared/webhook-route.js';
import { parseJustWalletEvent } from './payload.js';
import { recordJustWalletEvent, type RecordEventDeps } from './record-event.js';
import { verifyJustWalletSignature, type SignatureMode } from './signature.js';

export interface JustWalletHandlerDeps extends RecordEventDeps {
  webhookSecret: SecretSource;
  signatureMode: SignatureMode;
  maxBodyBytes: number;
}

export type JustWalletRequest = WebhookRequest;

/** The route as Lambda runs it (webhookHandler: Powertools' middlewares and the one error answer). */
export function makeJustWalletHandler(deps: JustWalletHandlerDeps, telemetry: { metrics?: Metrics } = {}) {
  const errors = { logger: deps.logger, subject: 'Just Wallet event', onStatus: (status: number) => deps.onOutcome?.(`http_${status}`) };
  return webhookHandler(justWalletEvent(deps), errors, telemetry.metrics);
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

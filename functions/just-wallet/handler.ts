import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readRawBody } from '../shared/http.js';
import { errorResponse, json, type HttpResponse } from '../shared/responses.js';
import type { SecretSource } from '../shared/secrets.js';
import { parseJustWalletEvent } from './payload.js';
import { recordJustWalletEvent, type RecordEventDeps } from './record-event.js';
import { verifyJustWalletSignature, type SignatureMode } from './signature.js';

export interface JustWalletHandlerDeps extends RecordEventDeps {
  webhookSecret: SecretSource;
  signatureMode: SignatureMode;
  maxBodyBytes: number;
}

export type JustWalletRequest = Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'> & {
  requestContext?: Partial<APIGatewayProxyEventV2['requestContext']>;
};

/** API Gateway event in, response out: verify, parse, record, answer 200 (Just Wallet ignores the body). */
export function makeJustWalletHandler(deps: JustWalletHandlerDeps) {
  return async (event: JustWalletRequest): Promise<HttpResponse> => {
    deps.logger.appendKeys({ correlationId: event.requestContext?.requestId });
    try {
      const body = readRawBody(event, deps.maxBodyBytes);
      await verifyJustWalletSignature(event.headers, body, deps.webhookSecret, deps.signatureMode);
      const parsed = parseJustWalletEvent(body.text, body.bytes);
      const outcome = await recordJustWalletEvent(parsed, body.text, deps);
      return json(200, { received: true, eventKey: parsed.eventKey, outcome });
    } catch (error) {
      const response = errorResponse(error);
      if (response.statusCode >= 500) deps.logger.error('Just Wallet event failed', { error: error as Error });
      else deps.logger.warn('Just Wallet event refused', { statusCode: response.statusCode, reason: (JSON.parse(response.body) as { error: string }).error });
      deps.onOutcome?.(`http_${response.statusCode}`);
      return response;
    } finally {
      deps.logger.removeKeys(['correlationId']);
    }
  };
}

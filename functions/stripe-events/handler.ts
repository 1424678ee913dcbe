import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readRawBody } from '../shared/http.js';
import { errorResponse, json, type HttpResponse } from '../shared/responses.js';
import type { SecretSource } from '../shared/secrets.js';
import { processStripeEvent, type ProcessDeps } from './process-event.js';
import { parseStripeEvent } from './schemas.js';
import { verifyStripeEvent } from './verify.js';

export interface StripeHandlerDeps extends ProcessDeps {
  /** The platform endpoint's secret, and the Connect endpoint's when the operator runs one. */
  webhookSecrets: SecretSource[];
  toleranceSeconds: number;
  maxBodyBytes: number;
}

export type StripeWebhookEvent = Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'> & {
  requestContext?: Partial<APIGatewayProxyEventV2['requestContext']>;
};

/** API Gateway event in, response out: verify, parse, store and apply, answer. */
export function makeStripeEventsHandler(deps: StripeHandlerDeps) {
  return async (event: StripeWebhookEvent): Promise<HttpResponse> => {
    deps.logger.appendKeys({ correlationId: event.requestContext?.requestId });
    try {
      const body = readRawBody(event, deps.maxBodyBytes);
      const verified = await verifyStripeEvent(event.headers, body.text, { secrets: deps.webhookSecrets, toleranceSeconds: deps.toleranceSeconds, clock: deps.clock });
      const stripeEvent = parseStripeEvent(verified);
      deps.logger.appendKeys({ stripeEventId: stripeEvent.envelope.id, stripeEventType: stripeEvent.envelope.type, stripeAccount: stripeEvent.envelope.account });
      const answer = await processStripeEvent(stripeEvent, body.text, deps);
      return json(answer.statusCode, answer.body);
    } catch (error) {
      const response = errorResponse(error);
      if (response.statusCode >= 500) deps.logger.error('Stripe event failed', { error: error as Error });
      else deps.logger.warn('Stripe event refused', { statusCode: response.statusCode, reason: (JSON.parse(response.body) as { error?: string }).error });
      deps.onMetric?.(`StripeEvent_http_${response.statusCode}`);
      return response;
    } finally {
      deps.logger.removeKeys(['correlationId', 'stripeEventId', 'stripeEventType', 'stripeAccount']);
    }
  };
}

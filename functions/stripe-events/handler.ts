import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError } from '../shared/errors.js';
import { readRawBody } from '../shared/http.js';
import { errorResponse, json, type HttpResponse } from '../shared/responses.js';
import type { SecretSource } from '../shared/secrets.js';
import { processStripeEvent, type ProcessDeps } from './process-event.js';
import { parseStripeEvent } from './schemas.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';
import type { SourceRegistry } from './source-registry.js';
import { forSource } from './source-scope.js';
import { verifyStripeEvent } from './verify.js';

export interface StripeHandlerDeps extends ProcessDeps {
  /** The platform endpoint's secret, and the Connect endpoint's when the operator runs one. */
  webhookSecrets: SecretSource[];
  /** The merchant sources (`/webhooks/stripe/{sourceId}`); without it, every source path is 404. */
  sources?: SourceRegistry;
  toleranceSeconds: number;
  maxBodyBytes: number;
}

export type StripeWebhookEvent = Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'> & {
  requestContext?: Partial<APIGatewayProxyEventV2['requestContext']>;
  /** `sourceId` on `POST /webhooks/stripe/{sourceId}`; none on the platform's `POST /webhooks/stripe`. */
  pathParameters?: APIGatewayProxyEventV2['pathParameters'];
};

/** API Gateway event in, response out: find the source, verify, parse, store and apply, answer. */
export function makeStripeEventsHandler(deps: StripeHandlerDeps) {
  return async (event: StripeWebhookEvent): Promise<HttpResponse> => {
    deps.logger.appendKeys({ correlationId: event.requestContext?.requestId });
    try {
      const body = readRawBody(event, deps.maxBodyBytes);
      const source = await findSource(event.pathParameters?.sourceId, deps);
      const verified = await verifyStripeEvent(event.headers, body.text, { secrets: source.webhookSecrets, toleranceSeconds: deps.toleranceSeconds, clock: deps.clock });
      const stripeEvent = parseStripeEvent(verified);
      deps.logger.appendKeys({ stripeEventId: stripeEvent.envelope.id, stripeEventType: stripeEvent.envelope.type, stripeAccount: stripeEvent.envelope.account });
      const answer = await processStripeEvent(stripeEvent, body.text, forSource(deps, source.sourceId));
      return json(answer.statusCode, answer.body);
    } catch (error) {
      const response = errorResponse(error);
      if (response.statusCode >= 500) deps.logger.error('Stripe event failed', { error: error as Error });
      else deps.logger.warn('Stripe event refused', { statusCode: response.statusCode, reason: (JSON.parse(response.body) as { error?: string }).error });
      deps.onMetric?.(`StripeEvent_http_${response.statusCode}`);
      return response;
    } finally {
      deps.logger.removeKeys(['correlationId', 'sourceId', 'stripeEventId', 'stripeEventType', 'stripeAccount']);
    }
  };
}

/** The platform, or an enabled merchant source; anything else is 404 before the body is looked at. */
async function findSource(sourceId: string | undefined, deps: StripeHandlerDeps): Promise<{ sourceId: string; webhookSecrets: SecretSource[] }> {
  if (sourceId === undefined) {
    deps.logger.appendKeys({ sourceId: PLATFORM_SOURCE_ID });
    return { sourceId: PLATFORM_SOURCE_ID, webhookSecrets: deps.webhookSecrets };
  }
  const lookup = deps.sources ? await deps.sources.lookup(sourceId) : ({ found: false, why: 'unknown' } as const);
  if (lookup.found) {
    deps.logger.appendKeys({ sourceId });
    return lookup;
  }
  // Unknown and disabled look the same from outside; the log tells them apart.
  deps.logger.warn('Stripe event for no enabled source', { why: lookup.why, ...(lookup.why === 'invalid_id' ? {} : { sourceId }) });
  throw new HttpError(404, 'source_not_found', 'There is no enabled Stripe source at this URL; nothing was stored.');
}

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError } from '../shared/errors.js';
import { readRawBody } from '../shared/http.js';
import { json, type HttpResponse } from '../shared/responses.js';
import type { SecretSource } from '../shared/secrets.js';
import type { Metrics } from '../shared/telemetry.js';
import { webhookHandler, type WebhookRequest } from '../shared/webhook-route.js';
import { processStripeEvent } from './process-event.js';
import type { StripeDeps } from './inbox.js';
import { parseStripeEvent, verifyStripeEvent } from './event.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';
import type { SourceRegistry } from './source-registry.js';
import { forSource } from './source-scope.js';

export interface StripeHandlerDeps extends StripeDeps {
  /** The platform endpoint's secret, and the Connect endpoint's when the operator runs one. */
  webhookSecrets: SecretSource[];
  /** The merchant sources (`/webhooks/stripe/{sourceId}`); without it, every source path is 404. */
  sources?: SourceRegistry;
  toleranceSeconds: number;
  maxBodyBytes: number;
}

export type StripeWebhookEvent = WebhookRequest & {
  /** `sourceId` on `POST /webhooks/stripe/{sourceId}`; none on the platform's `POST /webhooks/stripe`. */
  pathParameters?: APIGatewayProxyEventV2['pathParameters'];
};

/** The route as Lambda runs it (webhookHandler: Powertools' middlewares and the one error answer). */
export function makeStripeEventsHandler(deps: StripeHandlerDeps, telemetry: { metrics?: Metrics } = {}) {
  const errors = {
    logger: deps.logger,
    subject: 'Stripe event',
    onStatus: (status: number) => deps.onMetric?.(`StripeEvent_http_${status}`),
  };
  return webhookHandler(stripeEvent(deps), errors, telemetry.metrics);
}

/** API Gateway event in, response out: find the source, verify, parse, store and apply, answer. */
function stripeEvent(deps: StripeHandlerDeps) {
  return async (event: StripeWebhookEvent): Promise<HttpResponse> => {
    deps.logger.appendKeys({ correlationId: event.requestContext?.requestId });
    const body = readRawBody(event, deps.maxBodyBytes);
    const source = await findSource(event.pathParameters?.sourceId, deps);
    const verified = await verifyStripeEvent(event.headers, body.text, {
      secrets: source.webhookSecrets,
      toleranceSeconds: deps.toleranceSeconds,
      clock: deps.clock,
    });
    const parsed = parseStripeEvent(verified);
    deps.logger.appendKeys({
      stripeEventId: parsed.envelope.id,
      stripeEventType: parsed.envelope.type,
      stripeAccount: parsed.envelope.account,
    });
    const answer = await processStripeEvent(parsed, body.text, forSource(deps, source.sourceId));
    return json(answer.statusCode, answer.body);
  };
}

/** The platform, or an enabled merchant source; anything else is 404 before the body is looked at. */
async function findSource(
  sourceId: string | undefined,
  deps: StripeHandlerDeps,
): Promise<{ sourceId: string; webhookSecrets: SecretSource[] }> {
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

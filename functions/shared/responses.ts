import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpError } from './errors.js';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export function json(statusCode: number, body: Record<string, unknown>): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

export function errorBody(reason: string, message: string): Record<string, unknown> {
  return { error: reason, message };
}

/**
 * An HttpError is an answer the code chose deliberately, so its reason is shown; anything
 * else is unexpected and becomes a plain 500 (the details go to the log, not the caller).
 */
export function errorResponse(error: unknown): HttpResponse {
  if (error instanceof HttpError) {
    return json(error.statusCode, errorBody(error.reason, error.message));
  }
  return json(500, errorBody('internal_error', 'An unexpected error occurred; nothing was changed by this request.'));
}

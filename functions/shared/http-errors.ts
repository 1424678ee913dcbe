import type { MiddlewareObj } from '@middy/core';
import type { Logger } from './telemetry.js';
import { errorResponse, type HttpResponse } from './responses.js';

export interface HttpErrorsOptions {
  logger: Logger;
  /** What the route calls one request in its log lines: "Cash-out request", "Stripe event". */
  subject: string;
  /** Counts each error answer by its status, e.g. as a metric `..._http_400`. */
  onStatus?: (statusCode: number) => void;
}

/**
 * The webhook routes' one error answer: a typed error (errors.ts) becomes the status and
 * reason it carries, anything else a plain 500; a 5xx is logged once as an error with its
 * cause, a refusal once as a warning with its reason. Used last, so its `onError` runs before
 * Powertools' own: the log line still carries the invocation's keys, and the status metric is
 * added before the metrics are published.
 */
export function httpErrors(options: HttpErrorsOptions): MiddlewareObj<unknown, HttpResponse> {
  return {
    onError: (request) => {
      const response = errorResponse(request.error);
      if (response.statusCode >= 500) options.logger.error(`${options.subject} failed`, { error: request.error as Error });
      else
        options.logger.warn(`${options.subject} refused`, {
          statusCode: response.statusCode,
          reason: (JSON.parse(response.body) as { error?: string }).error,
        });
      options.onStatus?.(response.statusCode);
      // Set, not returned: a returned value would stop the Powertools middlewares' onError
      // (key reset, metrics published) from running.
      request.response = response;
    },
  };
}

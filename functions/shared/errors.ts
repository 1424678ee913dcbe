/**
 * Errors that carry the HTTP answer they deserve. Only errors under 500 are shown to the
 * caller as they are; anything else becomes a plain 500 and a log line (see responses.ts).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    /** A stable, machine-readable reason, e.g. `signature_mismatch`. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A missing or wrong webhook signature. Village and Just Wallet answer 401; Stripe answers 400. */
export class SignatureError extends HttpError {
  override name = 'SignatureError';
  constructor(reason: string, message: string, statusCode = 401) {
    super(statusCode, reason, message);
  }
}

/** A signed request whose body is not what the route accepts. */
export class ValidationError extends HttpError {
  override name = 'ValidationError';
  constructor(reason: string, message: string) {
    super(400, reason, message);
  }
}

/** A setting that is missing or wrong at cold start. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    /** The settings at fault (environment variable names), where known. */
    readonly settings: string[] = [],
  ) {
    super(message);
  }
}

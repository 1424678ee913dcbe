import { enum as oneOf, minLength, optional, string, url } from 'zod/mini';
import { int, readConfig, type Env } from '../shared/config.js';
import { withSourceSecrets } from '../stripe-events/config.js';

/** Every setting of the reports job, read and checked once at cold start. */
export function reportsConfig(env: Env) {
  return withSourceSecrets(
    readConfig(env, {
      LEDGER_TABLE: string().check(minLength(1)),
      RECORDS_TABLE: string().check(minLength(1)),
      SOURCES_TABLE: string().check(minLength(1)),
      DYNAMODB_ENDPOINT: optional(url()),
      STRIPE_API_BASE: optional(url()),
      STRIPE_MODE: oneOf(['live', 'test']),
      STRIPE_SOURCE_SECRET_PREFIX: optional(string().check(minLength(1))),
      STRIPE_SOURCE_SECRETS_DIR: optional(string().check(minLength(1))),
      STRIPE_TIMEOUT_MS: int(10_000),
    }),
  );
}

export type ReportsConfig = ReturnType<typeof reportsConfig>;

import { enum as oneOf, minLength, optional, string, url } from 'zod/mini';
import { int, readConfig, type Env } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/http.js';

/** What applying a Stripe event needs, from the webhook or from catch-up: the tables and the dedup settings. */
/** How long an event id is remembered, and how long one delivery holds an event: the route's defaults, which the operator's replay uses too. */
export const STRIPE_EVENT_DEFAULTS = { retentionDays: 30, leaseSeconds: 30 } as const;

export const PROCESS_SETTINGS = {
  LEDGER_TABLE: string().check(minLength(1)),
  /** The limits' usage: a cash-out that ends not paid gives back what it took (unset: nothing is given back). */
  USAGE_TABLE: optional(string().check(minLength(1))),
  RECIPIENTS_TABLE: string().check(minLength(1)),
  EVENTS_TABLE: string().check(minLength(1)),
  RECORDS_TABLE: string().check(minLength(1)),
  SOURCES_TABLE: string().check(minLength(1)),
  DYNAMODB_ENDPOINT: optional(url()),
  /** `live` or `test`: the mode of the platform's Stripe key. Only events of this mode are applied. */
  STRIPE_MODE: oneOf(['live', 'test']),
  /** In AWS: merchant sources' secrets are the Secrets Manager secrets named `<prefix><sourceId>`. */
  STRIPE_SOURCE_SECRET_PREFIX: optional(string().check(minLength(1))),
  /** Locally: they are the files `<dir>/<sourceId>.json` (`npm start` and `npm run sources` set it). */
  STRIPE_SOURCE_SECRETS_DIR: optional(string().check(minLength(1))),
  /** How long an event id is remembered for deduplication (Stripe retries for up to 3 days, and keeps events 30). */
  STRIPE_EVENT_RETENTION_DAYS: int(STRIPE_EVENT_DEFAULTS.retentionDays),
  /** A delivery that crashed mid-way may be re-applied by a redelivery after this long (above the Lambda timeout). */
  STRIPE_EVENT_LEASE_SECONDS: int(STRIPE_EVENT_DEFAULTS.leaseSeconds),
};

/** Every setting of the Stripe events route, read and checked once at cold start. */
export function stripeEventsConfig(env: Env) {
  return withSourceSecrets(
    readConfig(env, {
      ...PROCESS_SETTINGS,
      /** Stripe's own default: a signature older than this is refused as a replay. */
      STRIPE_WEBHOOK_TOLERANCE_SECONDS: int(300),
      MAX_BODY_BYTES: int(DEFAULT_MAX_BODY_BYTES),
    }),
  );
}

/** One of the two places for the sources' secrets must be given. */
export function withSourceSecrets<T extends { STRIPE_SOURCE_SECRET_PREFIX?: string; STRIPE_SOURCE_SECRETS_DIR?: string }>(config: T): T {
  if (!config.STRIPE_SOURCE_SECRET_PREFIX && !config.STRIPE_SOURCE_SECRETS_DIR) {
    throw new ConfigError(
      "Invalid configuration: set STRIPE_SOURCE_SECRET_PREFIX (Secrets Manager, in AWS) or STRIPE_SOURCE_SECRETS_DIR (a directory, locally): where the merchant sources' secrets are.",
    );
  }
  return config;
}

export type StripeEventsConfig = ReturnType<typeof stripeEventsConfig>;

import { _default, coerce, gte, int as integer, lte, optional, url } from 'zod/mini';
import { int, readConfig, type Env } from '../shared/config.js';
import { PROCESS_SETTINGS, withSourceSecrets } from '../stripe-events/config.js';

/** Every setting of the catch-up job, read and checked once at cold start. */
export function catchUpConfig(env: Env) {
  return withSourceSecrets(
    readConfig(env, {
      ...PROCESS_SETTINGS,
      STRIPE_API_BASE: optional(url()),
      /** A scheduled run lists the events of this many hours back (Stripe keeps 30 days). */
      CATCH_UP_WINDOW_HOURS: _default(coerce.number().check(integer(), gte(1), lte(720)), 72),
      STRIPE_TIMEOUT_MS: int(10_000),
      /** The SDK retries a failed list call (5xx, 429, a reset) this often before the list counts as failed. */
      CATCH_UP_STRIPE_RETRIES: _default(coerce.number().check(integer(), gte(0), lte(5)), 2),
    }),
  );
}

export type CatchUpConfig = ReturnType<typeof catchUpConfig>;

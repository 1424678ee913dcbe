import { z } from 'zod';
import { int, readConfig, type Env } from '../shared/config.js';
import { PROCESS_SETTINGS, withSourceSecrets } from '../stripe-events/config.js';

/** Every setting of the catch-up job, read and checked once at cold start. */
export function catchUpConfig(env: Env) {
  return withSourceSecrets(
    readConfig(env, {
      ...PROCESS_SETTINGS,
      STRIPE_API_BASE: z.string().url().optional(),
      /** A scheduled run lists the events of this many hours back (Stripe keeps 30 days). */
      CATCH_UP_WINDOW_HOURS: z.coerce.number().int().min(1).max(720).default(72),
      STRIPE_TIMEOUT_MS: int(10_000),
      /** The SDK retries a failed list call (5xx, 429, a reset) this often before the list counts as failed. */
      CATCH_UP_STRIPE_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
    }),
  );
}

export type CatchUpConfig = ReturnType<typeof catchUpConfig>;

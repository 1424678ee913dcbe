import { z } from 'zod';
import { int, readConfig, type Env } from '../shared/config.js';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/http.js';

/** Every setting of the Stripe events route, read and checked once at cold start. */
export function stripeEventsConfig(env: Env) {
  return readConfig(env, {
    LEDGER_TABLE: z.string().min(1),
    RECIPIENTS_TABLE: z.string().min(1),
    EVENTS_TABLE: z.string().min(1),
    RECORDS_TABLE: z.string().min(1),
    DYNAMODB_ENDPOINT: z.string().url().optional(),
    /** `live` or `test`: the mode of the platform's Stripe key. Only events of this mode are applied. */
    STRIPE_MODE: z.enum(['live', 'test']),
    /** Stripe's own default: a signature older than this is refused as a replay. */
    STRIPE_WEBHOOK_TOLERANCE_SECONDS: int(300),
    /** How long an event id is remembered for deduplication (Stripe retries for up to 3 days). */
    STRIPE_EVENT_RETENTION_DAYS: int(30),
    /** A delivery that crashed mid-way may be re-applied by a redelivery after this long (above the Lambda timeout). */
    STRIPE_EVENT_LEASE_SECONDS: int(30),
    MAX_BODY_BYTES: int(DEFAULT_MAX_BODY_BYTES),
  });
}

export type StripeEventsConfig = ReturnType<typeof stripeEventsConfig>;

import Stripe from 'stripe';
import type { StripeClient } from './stripe.js';

/**
 * The real SDK, pointed at api.stripe.com or, when STRIPE_API_BASE is set, at a local
 * stand-in. Automatic retries are off: callers retry with their own idempotency key and
 * their own deadline. Its own module, imported when the first Stripe client is made
 * (wiring.ts), so that a cold start does not load the SDK before it is needed.
 */
export function makeStripe(secretKey: string, apiBase?: string): StripeClient {
  const base = apiBase ? new URL(apiBase) : undefined;
  return new Stripe(secretKey, {
    maxNetworkRetries: 0,
    telemetry: false,
    ...(base
      ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol === 'https:' ? 'https' : 'http' }
      : {}),
  });
}

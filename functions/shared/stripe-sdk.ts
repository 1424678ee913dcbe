import Stripe from 'stripe';
import type { StripeClient, StripeOptions } from './stripe.js';

/**
 * The real SDK, pointed at api.stripe.com or, when STRIPE_API_BASE is set, at a local
 * stand-in. Automatic retries are off unless asked for: callers that move money retry with
 * their own idempotency key and their own deadline. Its own module, imported when the first Stripe client is made
 * (wiring.ts), so that a cold start does not load the SDK before it is needed.
 */
export function makeStripe(
  secretKey: string,
  apiBase?: string,
  options: StripeOptions & { httpClient?: Stripe.HttpClient } = {},
): StripeClient {
  const base = apiBase ? new URL(apiBase) : undefined;
  return new Stripe(secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    telemetry: false,
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

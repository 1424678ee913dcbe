import { ConfigError } from './errors.js';
import type { SecretSource } from './secrets.js';
import { makeStripe, type StripeClient, type StripeOptions } from './stripe.js';

/** Kept here too so existing imports keep working; it lives in its own module (no Stripe SDK). */
export { secretFromEnv } from './secret-from-env.js';

/** One Stripe client per key; a rotated key (a new secret value) gets a new client. */
export function stripeFromSecret(key: SecretSource, apiBase?: string, options?: StripeOptions): () => Promise<StripeClient> {
  let cached: { key: string; client: StripeClient } | undefined;
  return async () => {
    const { current } = await key.get();
    if (!/^(sk|rk)_(test|live)_/.test(current)) {
      throw new ConfigError('The Stripe secret key is not set: put the platform key (sk_… or rk_…) into the STRIPE_SECRET_KEY secret.');
    }
    if (cached?.key !== current) cached = { key: current, client: makeStripe(current, apiBase, options) };
    return cached.client;
  };
}

import { ConfigError } from './errors.js';
import type { SecretSource } from './secrets.js';
import { stripeModeOfKey, type StripeClient, type StripeMode, type StripeOptions } from './stripe.js';

/**
 * One Stripe client per key; a rotated key (a new secret value) gets a new client. Where the
 * deployment states its mode (`expectedMode`, from STRIPE_MODE), a key of the other mode is
 * refused before any call: the Stripe-events route applies only events of that mode, so a
 * payout made with the other mode's key would never be followed.
 */
export function stripeFromSecret(
  key: SecretSource,
  apiBase?: string,
  options: StripeOptions & { expectedMode?: StripeMode } = {},
): () => Promise<StripeClient> {
  const { expectedMode, ...clientOptions } = options;
  let cached: { key: string; client: StripeClient } | undefined;
  return async () => {
    const { current } = await key.get();
    const mode = stripeModeOfKey(current);
    if (!mode) {
      throw new ConfigError('The Stripe secret key is not set: put the platform key (sk_… or rk_…) into the STRIPE_SECRET_KEY secret.');
    }
    if (expectedMode && mode !== expectedMode) {
      throw new ConfigError(
        `The Stripe key is a ${mode}-mode key but STRIPE_MODE is ${expectedMode}: deploy with -c stripeMode=${mode}, or store a ${expectedMode}-mode key.`,
      );
    }
    if (cached?.key !== current) {
      // The SDK is loaded here, on the first Stripe call, not when the function starts.
      const { makeStripe } = await import('./stripe-sdk.js');
      cached = { key: current, client: makeStripe(current, apiBase, clientOptions) };
    }
    return cached.client;
  };
}

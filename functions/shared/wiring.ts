import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from './clock.js';
import { ConfigError } from './errors.js';
import { secretsManagerSecret, staticSecret, type SecretSource } from './secrets.js';
import { makeStripe, type StripeClient } from './stripe.js';
import type { Env } from './config.js';

let secretsClient: SecretsManagerClient | undefined;

/**
 * A secret from Secrets Manager when `<NAME>_ARN` is set (in AWS), otherwise from the
 * environment variable `<NAME>` itself (locally and in tests).
 */
export function secretFromEnv(env: Env, name: string, clock: Clock): SecretSource {
  const arn = env[`${name}_ARN`];
  if (arn) {
    secretsClient ??= new SecretsManagerClient({});
    const ttlSeconds = Number(env.SECRETS_TTL_SECONDS ?? 300);
    return secretsManagerSecret({ client: secretsClient, secretId: arn, clock, ttlMs: ttlSeconds * 1000 });
  }
  const value = env[name];
  if (value) return staticSecret(value, name);
  throw new ConfigError(`Missing setting: set ${name}_ARN (a Secrets Manager secret) or ${name}.`);
}

/** One Stripe client per key; a rotated key (a new secret value) gets a new client. */
export function stripeFromSecret(key: SecretSource, apiBase?: string): () => Promise<StripeClient> {
  let cached: { key: string; client: StripeClient } | undefined;
  return async () => {
    const { current } = await key.get();
    if (cached?.key !== current) cached = { key: current, client: makeStripe(current, apiBase) };
    return cached.client;
  };
}

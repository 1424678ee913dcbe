import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from './clock.js';
import type { Env } from './config.js';
import { ConfigError } from './errors.js';
import { secretsManagerSecret, staticSecret, type SecretSource } from './secrets.js';

let secretsClient: SecretsManagerClient | undefined;

/** One Secrets Manager client per container. */
export function secretsManagerClient(): SecretsManagerClient {
  secretsClient ??= new SecretsManagerClient({});
  return secretsClient;
}

/** How long a secret from Secrets Manager is used before it is fetched again. */
export const secretsTtlMs = (env: Env): number => Number(env.SECRETS_TTL_SECONDS ?? 300) * 1000;

/**
 * A secret from Secrets Manager when `<NAME>_ARN` is set (in AWS), otherwise from the
 * environment variable `<NAME>` itself (locally and in tests). Its own module, so routes
 * that need no Stripe client do not bundle the Stripe SDK.
 */
export function secretFromEnv(env: Env, name: string, clock: Clock): SecretSource {
  const arn = env[`${name}_ARN`];
  if (arn) {
    return secretsManagerSecret({ client: secretsManagerClient(), secretId: arn, clock, ttlMs: secretsTtlMs(env) });
  }
  const value = env[name];
  if (value) return staticSecret(value, name);
  throw new ConfigError(`Missing setting: set ${name}_ARN (a Secrets Manager secret) or ${name}.`);
}

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from './clock.js';
import { ConfigError } from './errors.js';

/** A secret during rotation has a current value and, for a while, the previous one. */
export interface SecretValue {
  current: string;
  previous?: string;
}

export interface SecretSource {
  /** The cached value; `refresh` fetches again (rate-limited) after a verification failure. */
  get(options?: { refresh?: boolean }): Promise<SecretValue>;
}

/** Either a plain string, or JSON `{"current": "...", "previous": "..."}` while rotating. */
export function parseSecretString(raw: string, name: string): SecretValue {
  const trimmed = raw.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ConfigError(
        `Secret ${name} looks like JSON but does not parse; use a plain value or {"current": "...", "previous": "..."}.`,
      );
    }
    const { current, previous } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof current !== 'string' || current === '') {
      throw new ConfigError(`Secret ${name} is JSON without a non-empty "current" value.`);
    }
    return typeof previous === 'string' && previous !== '' ? { current, previous } : { current };
  }
  if (trimmed === '') throw new ConfigError(`Secret ${name} is empty.`);
  return { current: trimmed };
}

export function secretValues(value: SecretValue): string[] {
  return value.previous ? [value.current, value.previous] : [value.current];
}

export function staticSecret(raw: string, name: string): SecretSource {
  const value = parseSecretString(raw, name);
  return { get: async () => value };
}

export interface SecretsManagerSourceOptions extends CacheOptions {
  client: SecretsManagerClient;
  secretId: string;
}

/**
 * Read from Secrets Manager on first use and cached per container with a TTL, so a rotated
 * secret takes effect without a cold start. A failed fetch is not cached.
 */
export function secretsManagerSecret(options: SecretsManagerSourceOptions): SecretSource {
  const { client, secretId, ...cache } = options;
  return cachedSecret(async () => {
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (result.SecretString === undefined) throw new ConfigError(`Secret ${secretId} has no string value.`);
    return parseSecretString(result.SecretString, secretId);
  }, cache);
}

export interface CacheOptions {
  clock: Clock;
  /** How long a fetched value is used before fetching again. */
  ttlMs: number;
  /** A forced refresh (after a verification failure) happens at most this often. */
  minRefreshIntervalMs?: number;
}

/** Any secret fetch, cached with a TTL, refreshed on demand at most every `minRefreshIntervalMs`; failures are not cached. */
export function cachedSecret(
  fetch: () => Promise<SecretValue>,
  { clock, ttlMs, minRefreshIntervalMs = 10_000 }: CacheOptions,
): SecretSource {
  let cached: { value: SecretValue; fetchedAt: number } | undefined;
  let inFlight: Promise<SecretValue> | undefined;
  const load = async (): Promise<SecretValue> => {
    const value = await fetch();
    cached = { value, fetchedAt: clock.now() };
    return value;
  };
  return {
    async get({ refresh = false } = {}) {
      const age = cached ? clock.now() - cached.fetchedAt : Infinity;
      const stale = age >= ttlMs || (refresh && age >= minRefreshIntervalMs);
      if (cached && !stale) return cached.value;
      inFlight ??= load().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}

/**
 * Runs `check` against every value of the secret (current, then previous). When none
 * matches, fetches the secret again once (it may just have been rotated) and retries.
 */
export async function matchesAnySecret(source: SecretSource, check: (secret: string) => boolean): Promise<boolean> {
  const first = await source.get();
  if (secretValues(first).some(check)) return true;
  const again = await source.get({ refresh: true });
  if (again === first) return false;
  return secretValues(again).some(check);
}

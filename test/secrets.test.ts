import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../functions/shared/errors.js';
import { matchesAnySecret, parseSecretString, secretsManagerSecret } from '../functions/shared/secrets.js';
import { capturingLogger } from './support/telemetry.js';
import { cashOut, villageHarness, type VillageHarness } from './support/village.js';

/**
 * Secrets Manager has no local emulator, so this stands in for its client: it serves what
 * the "console" currently holds and counts fetches. Everything above the client is real.
 */
class SecretsConsole {
  value: string | Error;
  fetches = 0;
  constructor(value: string) {
    this.value = value;
  }
  client(): SecretsManagerClient {
    return {
      send: async () => {
        this.fetches += 1;
        if (this.value instanceof Error) throw this.value;
        return { SecretString: this.value };
      },
    } as unknown as SecretsManagerClient;
  }
}

const clockAt = (start: number) => {
  const clock = { t: start, now: () => clock.t };
  return clock;
};

describe('secret values', () => {
  test('a plain value is the current secret; JSON carries current and previous during rotation', () => {
    expect(parseSecretString('abc', 'S')).toEqual({ current: 'abc' });
    expect(parseSecretString('{"current":"new","previous":"old"}', 'S')).toEqual({ current: 'new', previous: 'old' });
    expect(() => parseSecretString('{"previous":"old"}', 'S')).toThrow(ConfigError);
    expect(() => parseSecretString('{not json', 'S')).toThrow(/does not parse/);
    expect(() => parseSecretString('  ', 'S')).toThrow(/empty/);
  });
});

describe('a secret from Secrets Manager', () => {
  test('is fetched on first use and cached for its TTL', async () => {
    const console = new SecretsConsole('one');
    const clock = clockAt(0);
    const source = secretsManagerSecret({ client: console.client(), secretId: 'arn:s', clock, ttlMs: 60_000 });
    expect((await source.get()).current).toBe('one');
    console.value = 'two';
    clock.t = 59_000;
    expect((await source.get()).current).toBe('one');
    clock.t = 60_000;
    expect((await source.get()).current).toBe('two');
    expect(console.fetches).toBe(2);
  });

  test('is fetched again after a verification failure, but not more often than the floor', async () => {
    const console = new SecretsConsole('old');
    const clock = clockAt(0);
    const source = secretsManagerSecret({
      client: console.client(),
      secretId: 'arn:s',
      clock,
      ttlMs: 300_000,
      minRefreshIntervalMs: 10_000,
    });
    expect(await matchesAnySecret(source, (s) => s === 'old')).toBe(true);
    console.value = 'new';
    clock.t = 5_000;
    expect(await matchesAnySecret(source, (s) => s === 'new')).toBe(false);
    clock.t = 11_000;
    expect(await matchesAnySecret(source, (s) => s === 'new')).toBe(true);
    expect(console.fetches).toBe(2);
  });

  test('a failed fetch is not cached', async () => {
    const console = new SecretsConsole('x');
    console.value = new Error('AccessDenied');
    const source = secretsManagerSecret({ client: console.client(), secretId: 'arn:s', clock: clockAt(0), ttlMs: 60_000 });
    await expect(source.get()).rejects.toThrow('AccessDenied');
    console.value = 'x';
    expect((await source.get()).current).toBe('x');
  });
});

describe('rotating the Village secret end to end', () => {
  const console = new SecretsConsole('secret-v1');
  const clock = clockAt(Date.now());
  let h: VillageHarness;
  const { logger, lines } = capturingLogger();
  beforeAll(async () => {
    h = await villageHarness({
      villageSecret: secretsManagerSecret({
        client: console.client(),
        secretId: 'arn:village',
        clock,
        ttlMs: 300_000,
        minRefreshIntervalMs: 10_000,
      }),
      logger,
    });
    await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
  });
  afterAll(async () => h.stop());

  test('the new secret works at once, the previous one keeps working, and an unknown one is refused', async () => {
    expect((await h.send(cashOut(), { secret: 'secret-v1' })).statusCode).toBe(200);
    console.value = JSON.stringify({ current: 'secret-v2', previous: 'secret-v1' });
    clock.t += 11_000;
    // No cold start and no TTL wait: the first signature that fails makes it fetch again.
    expect((await h.send(cashOut(), { secret: 'secret-v2' })).statusCode).toBe(200);
    expect((await h.send(cashOut(), { secret: 'secret-v1' })).statusCode).toBe(200);
    expect((await h.send(cashOut(), { secret: 'secret-v0' })).statusCode).toBe(401);
  });

  test('secrets unavailable: 500 with a clear log line, nothing stored or paid', async () => {
    const broken = new SecretsConsole('unused');
    broken.value = Object.assign(new Error('Secrets Manager unreachable'), { name: 'ServiceUnavailable' });
    const { logger: brokenLogger, lines: brokenLines } = capturingLogger();
    const cold = await villageHarness({
      villageSecret: secretsManagerSecret({ client: broken.client(), secretId: 'arn:village', clock, ttlMs: 300_000 }),
      logger: brokenLogger,
    });
    try {
      const request = cashOut();
      const response = await cold.send(request);
      expect(response.statusCode).toBe(500);
      expect(response.body.error).toBe('internal_error');
      expect(await cold.ledger.get(String(request.cash_out_id))).toBeUndefined();
      expect(cold.stripe.requests).toHaveLength(0);
      expect(JSON.stringify(brokenLines)).toContain('Secrets Manager unreachable');
    } finally {
      await cold.stop();
    }
    expect(JSON.stringify(lines)).not.toContain('secret-v2');
  });
});

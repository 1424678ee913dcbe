import type { Clock } from '../shared/clock.js';
import { ConfigError } from '../shared/errors.js';
import { cachedSecret, type SecretSource } from '../shared/secrets.js';
import { isSourceId, PLATFORM_SOURCE_ID } from './source-id.js';
import type { SourceSecretStore } from './source-secrets.js';
import type { SourceStore } from './source-store.js';

export type SourceLookup =
  { found: true; sourceId: string; webhookSecrets: SecretSource[] } | { found: false; why: 'invalid_id' | 'unknown' | 'disabled' };

/**
 * The merchant sources as the webhook sees them. Whether a source exists and is enabled is
 * read from the sources table on every request (nothing about it is cached, so a new source
 * is served and a disabled one refused at once); its signing secret is cached per container
 * with a TTL, and fetched again as soon as the table says it was rotated.
 */
export class SourceRegistry {
  private readonly secrets = new Map<string, { version: string; source: SecretSource }>();

  constructor(
    private readonly sources: SourceStore,
    private readonly secretStore: SourceSecretStore,
    private readonly cache: { clock: Clock; ttlMs: number },
  ) {}

  async lookup(sourceId: string): Promise<SourceLookup> {
    if (!isSourceId(sourceId) || sourceId === PLATFORM_SOURCE_ID) return { found: false, why: 'invalid_id' };
    const source = await this.sources.get(sourceId);
    if (!source) {
      this.secrets.delete(sourceId);
      return { found: false, why: 'unknown' };
    }
    if (source.status !== 'enabled') return { found: false, why: 'disabled' };
    // A source removed and added again starts at version 1 again: its creation time tells the two apart.
    return { found: true, sourceId, webhookSecrets: [this.signingSecret(sourceId, `${source.createdAt}#${source.secretVersion}`)] };
  }

  private signingSecret(sourceId: string, version: string): SecretSource {
    const cached = this.secrets.get(sourceId);
    if (cached?.version === version) return cached.source;
    const source = cachedSecret(async () => {
      const secret = await this.secretStore.read(sourceId);
      // The table names a source whose secret is missing: our set-up is at fault, so 500 and Stripe retries.
      if (!secret)
        throw new ConfigError(`Stripe source ${sourceId} is enabled but has no secret (${this.secretStore.locationOf(sourceId)}).`);
      return secret.signing;
    }, this.cache);
    this.secrets.set(sourceId, { version, source });
    return source;
  }
}

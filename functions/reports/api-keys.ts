import type { SecretSource } from '../shared/secrets.js';
import { PLATFORM_SOURCE_ID } from '../stripe-events/source-id.js';
import type { SourceSecretStore } from '../stripe-events/source-secrets.js';

/** A source whose reports cannot be read: no API key is kept for it. */
export class NoApiKeyError extends Error {
  override name = 'NoApiKeyError';
}

/**
 * The key that reads a source's reports and files: the platform's own key, or the restricted
 * key a merchant gave (it needs "Report runs and report types: read" and "Files: read").
 */
export function apiKeys(platformKey: SecretSource, sourceSecrets: SourceSecretStore): (sourceId: string) => Promise<string> {
  return async (sourceId) => {
    if (sourceId === PLATFORM_SOURCE_ID) return (await platformKey.get()).current;
    const secret = await sourceSecrets.read(sourceId);
    if (!secret?.apiKey)
      throw new NoApiKeyError(`Source ${sourceId} has no API key (npm run sources -- rotate ${sourceId} --api-key rk_…).`);
    return secret.apiKey;
  };
}

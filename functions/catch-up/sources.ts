import { PLATFORM_SOURCE_ID } from '../stripe-events/source-id.js';
import type { SourceSecretStore } from '../stripe-events/source-secrets.js';
import type { SourceStore } from '../stripe-events/source-store.js';
import type { CatchUpSource, EventLister } from './catch-up.js';

/** A source named for catch-up that is not there, or cannot be listed. */
export class CatchUpSourceError extends Error {
  override name = 'CatchUpSourceError';
}

export interface SourceListers {
  sources: SourceStore;
  secrets: SourceSecretStore;
  /** The platform's, with its own API key (STRIPE_SECRET_KEY). */
  platform: EventLister;
  /** A merchant's, with the restricted key kept in its secret. */
  withKey(apiKey: string): EventLister;
}

/**
 * The platform first, then each merchant source by id; `only` names one. A disabled source,
 * or one without an API key, is reported as skipped, or refused when named on its own.
 */
export async function catchUpSources(deps: SourceListers, only?: string): Promise<CatchUpSource[]> {
  const platform: CatchUpSource = { sourceId: PLATFORM_SOURCE_ID, lister: deps.platform, connectedAccounts: true };
  if (only === PLATFORM_SOURCE_ID) return [platform];
  const merchants =
    only === undefined ? await deps.sources.list() : [await deps.sources.get(only)].filter((source) => source !== undefined);
  if (only !== undefined && merchants.length === 0) throw new CatchUpSourceError(`No source ${only} (npm run sources -- list).`);
  const result: CatchUpSource[] = only === undefined ? [platform] : [];
  for (const source of merchants) {
    if (source.status !== 'enabled') {
      result.push({ sourceId: source.sourceId, skipped: 'disabled' });
      continue;
    }
    const secret = await deps.secrets.read(source.sourceId);
    if (!secret?.apiKey) {
      result.push({ sourceId: source.sourceId, skipped: `no API key (npm run sources -- rotate ${source.sourceId} --api-key rk_…)` });
      continue;
    }
    result.push({ sourceId: source.sourceId, lister: deps.withKey(secret.apiKey) });
  }
  if (only !== undefined && result.every((source) => !source.lister))
    throw new CatchUpSourceError(`Source ${only} cannot be caught up: ${result[0]?.skipped}.`);
  return result;
}

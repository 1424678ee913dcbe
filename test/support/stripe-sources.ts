import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Clock } from '../../functions/shared/clock.js';
import { SourceAdmin } from '../../operator/sources.js';
import { SourceRegistry } from '../../functions/stripe-events/source-registry.js';
import { DirectorySourceSecrets } from '../../functions/stripe-events/source-secrets.js';
import { SourceStore } from '../../functions/stripe-events/source-store.js';
import type { TestTables } from './dynamo.js';

export interface SourcesFixture {
  admin: SourceAdmin;
  store: SourceStore;
  secrets: DirectorySourceSecrets;
  registry: SourceRegistry;
}

/** The sources table of `tables`, secrets in a fresh directory (as `npm start` keeps them), and the registry the webhook reads. */
export async function sourcesFixture(tables: TestTables, clock: Clock, ttlMs = 300_000): Promise<SourcesFixture> {
  const store = new SourceStore(tables.db, tables.names.sources);
  const secrets = new DirectorySourceSecrets(await mkdtemp(path.join(tmpdir(), 'stripe-sources-')));
  return { admin: new SourceAdmin(store, secrets, clock), store, secrets, registry: new SourceRegistry(store, secrets, { clock, ttlMs }) };
}

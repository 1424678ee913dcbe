import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { connectedAccountsWithCashOuts } from '../../functions/catch-up/accounts.js';
import { systemClock, type Clock } from '../../functions/shared/clock.js';
import { int, readConfig, type Env } from '../../functions/shared/config.js';
import { makeDocumentClient } from '../../functions/shared/dynamodb.js';
import { RecipientStore } from '../../functions/shared/recipients.js';
import { makeStripe } from '../../functions/shared/stripe-sdk.js';
import { stripeModeOfKey } from '../../functions/shared/stripe.js';
import type { Logger } from '../../functions/shared/telemetry.js';
import { secretFromEnv } from '../../functions/shared/secret-from-env.js';
import { stripeFromSecret } from '../../functions/shared/wiring.js';
import { PROCESS_SETTINGS, withSourceSecrets } from '../../functions/stripe-events/config.js';
import { PLATFORM_SOURCE_ID } from '../../functions/stripe-events/source-id.js';
import { SourceStore } from '../../functions/stripe-events/source-store.js';
import { processDeps, sourceSecretStore } from '../../functions/stripe-events/wiring.js';
import { CheckpointStore } from './checkpoints.js';
import type { ObjectLister } from './import.js';
import type { ImportSource, RunDeps } from './run.js';
import { rateLimitedHttpClient, type RateLimit } from './stripe-lists.js';
import { stripeObjectLister } from './stripe-lists.js';

/** A source named for the import that is not there, or cannot be listed. */
export class ImportSourceError extends Error {
  override name = 'ImportSourceError';
}

/** The import's settings: those of applying an event, and Stripe's. */
export function importConfig(env: Env) {
  return withSourceSecrets(
    readConfig(env, { ...PROCESS_SETTINGS, STRIPE_API_BASE: z.string().url().optional(), STRIPE_TIMEOUT_MS: int(30_000) }),
  );
}

/** Real clients from the environment, as `npm run import` runs them. */
export function importDepsFromEnv(
  env: Env,
  options: { logger: Logger; rate: RateLimit; db?: DynamoDBDocumentClient; clock?: Clock },
): RunDeps {
  const config = importConfig(env);
  const clock = options.clock ?? systemClock;
  const db = options.db ?? makeDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT });
  // Network failures are retried by the SDK; 429s by the rate-limited client, as Retry-After says.
  const stripeOptions = { maxNetworkRetries: 2, timeoutMs: config.STRIPE_TIMEOUT_MS, httpClient: rateLimitedHttpClient(options.rate) };
  const platform = stripeObjectLister(
    stripeFromSecret(secretFromEnv(env, 'STRIPE_SECRET_KEY', clock), config.STRIPE_API_BASE, {
      ...stripeOptions,
      expectedMode: config.STRIPE_MODE,
    }),
  );
  const sources = new SourceStore(db, config.SOURCES_TABLE);
  const secrets = sourceSecretStore(config);
  const withKey = (apiKey: string): ObjectLister =>
    stripeObjectLister(async () => makeStripe(apiKey, config.STRIPE_API_BASE, stripeOptions));
  return {
    ...processDeps(config, db, { logger: options.logger }, clock),
    checkpoints: new CheckpointStore(db, config.SOURCES_TABLE),
    checkpointEvery: 100,
    async sources(only) {
      const platformSource: ImportSource = { sourceId: PLATFORM_SOURCE_ID, lister: platform };
      if (only === PLATFORM_SOURCE_ID) return [platformSource];
      const merchants = only === undefined ? await sources.list() : [await sources.get(only)].filter((source) => source !== undefined);
      if (only !== undefined && merchants.length === 0) throw new ImportSourceError(`No source ${only} (npm run sources -- list).`);
      const result: ImportSource[] = only === undefined ? [platformSource] : [];
      for (const source of merchants) {
        const apiKey = source.status === 'enabled' ? (await secrets.read(source.sourceId))?.apiKey : undefined;
        const mode = apiKey ? stripeModeOfKey(apiKey) : undefined;
        const skipped =
          source.status !== 'enabled'
            ? 'disabled'
            : !apiKey
              ? `no API key (npm run sources -- rotate ${source.sourceId} --api-key rk_…)`
              : mode !== config.STRIPE_MODE
                ? `its key is a ${mode ?? 'unknown'}-mode key on a ${config.STRIPE_MODE}-mode gateway`
                : undefined;
        result.push(skipped ? { sourceId: source.sourceId, skipped } : { sourceId: source.sourceId, lister: withKey(apiKey!) });
      }
      if (only !== undefined && !result[0]?.lister)
        throw new ImportSourceError(`Source ${only} cannot be imported: ${result[0]?.skipped}.`);
      return result;
    },
    async connectedAccounts(sinceSeconds) {
      const recipients = await new RecipientStore(db, config.RECIPIENTS_TABLE).list();
      const withCashOuts = await connectedAccountsWithCashOuts(db, config.LEDGER_TABLE, sinceSeconds);
      return [...new Set([...recipients.map((recipient) => recipient.accountId), ...withCashOuts])].sort();
    },
  };
}

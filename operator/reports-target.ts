import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { makeStripe } from '../functions/shared/stripe-sdk.js';
import type { StripeClient } from '../functions/shared/stripe.js';
import { apiKeys } from '../functions/reports/api-keys.js';
import { ReportStore } from '../functions/reports/report-store.js';
import { SourceStore } from '../functions/stripe-events/source-store.js';
import { DirectorySourceSecrets } from '../functions/stripe-events/source-secrets.js';
import { LOCAL_SOURCE_SECRETS_DIR, LOCAL_STRIPE_STAND_IN_PORT } from '../dev/environment.js';
import { localDynamoEndpoint } from '../dev/defaults.js';
import { TABLES } from '../infra/tables.js';

/**
 * Where `npm run reports` and `npm run close` work: the tables of `npm start` (DYNAMODB_ENDPOINT,
 * the tables' variables, default `local-…`) and its Stripe (the stand-in on its port, unless
 * STRIPE_API_BASE or STRIPE_SECRET_KEY says otherwise); merchants' keys from the local sources'
 * directory (STRIPE_SOURCE_SECRETS_DIR).
 */
export function reportsEnv(env: NodeJS.ProcessEnv = process.env) {
  const table = (id: (typeof TABLES)[number]['id']) => env[TABLES.find((t) => t.id === id)!.env] ?? `local-${id}`;
  const dynamoEndpoint = localDynamoEndpoint(env);
  const apiBase =
    env.STRIPE_API_BASE ??
    (env.STRIPE_SECRET_KEY ? undefined : `http://127.0.0.1:${env.STRIPE_STAND_IN_PORT ?? LOCAL_STRIPE_STAND_IN_PORT}`);
  const platformKey = env.STRIPE_SECRET_KEY ?? 'sk_test_local_stand_in';
  const db = makeDocumentClient({ endpoint: dynamoEndpoint });
  const keyOf = apiKeys(
    { get: async () => ({ current: platformKey }) },
    new DirectorySourceSecrets(env.STRIPE_SOURCE_SECRETS_DIR ?? LOCAL_SOURCE_SECRETS_DIR),
  );
  return {
    db,
    dynamoEndpoint,
    ledgerTable: table('ledger'),
    historyTable: table('history'),
    reports: new ReportStore(db, table('records')),
    sources: new SourceStore(db, table('sources')),
    stripeFor: async (sourceId: string): Promise<StripeClient> => makeStripe(await keyOf(sourceId), apiBase, { maxNetworkRetries: 2 }),
  };
}

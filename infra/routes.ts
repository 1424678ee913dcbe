import type { Env } from '../functions/shared/config.js';
import { justWalletConfig } from '../functions/just-wallet/config.js';
import { stripeEventsConfig } from '../functions/stripe-events/config.js';
import { villageConfig } from '../functions/village-cash-out/config.js';
import type { TableAccess } from './grants.js';
import type { TableDefinition } from './tables.js';

/**
 * The gateway's routes, described once: the stack builds one Lambda and one API route for
 * each, and the local gateway serves the same paths with the same handler modules.
 */
export interface RouteDefinition {
  id: string;
  method: 'POST';
  path: string;
  /** Further paths served by the same function; `{name}` is a path parameter (one segment), as in API Gateway. */
  extraPaths?: string[];
  /** The handler module, relative to the project root; it exports `handler`. */
  entry: string;
  description: string;
  /** Lambda timeout. */
  timeoutSeconds: number;
  memoryMb: number;
  /**
   * The tables it touches: exactly the item calls and index queries its code makes, which is
   * all its role is granted (test/stack-permissions.test.ts lists them in full).
   */
  tables: Partial<Record<TableDefinition['id'], TableAccess>>;
  /** Secrets it reads (ids of SECRETS in infra/secrets.ts). */
  secrets: string[];
  /** The function's own configuration reader: the stack checks the environment it gives the function with it. */
  readConfig: (env: Env) => unknown;
  /** Reads the merchant sources' secrets (Secrets Manager, by name prefix: infra/stripe-sources.ts). */
  sourceSecrets?: 'read';
}

export const ROUTES: RouteDefinition[] = [
  {
    id: 'village-cash-out',
    method: 'POST',
    path: '/webhooks/village/cash-out',
    entry: 'functions/village-cash-out/index.ts',
    description: 'Village cash-out → Stripe payout or transfer, exactly once',
    // Above VILLAGE_DEADLINE_MS (8 s) so the handler, not Lambda, decides what Village hears.
    timeoutSeconds: 15,
    // Mostly waiting on Stripe (two calls of a few hundred ms): at 512 MB a cash-out costs about
    // half what it does at 1024 for some 20 ms more (npm run bench, realistic Stripe; docs/performance.md).
    memoryMb: 512,
    // LedgerStore: get, claim (a conditional put), takeOver and update; RecipientStore.get.
    // LimitSettings: a get (never a write: operators set limits). LimitUsage: its reservation
    // and counters, in transactions (a put and conditional updates) and gets.
    tables: {
      ledger: { items: ['GetItem', 'PutItem', 'UpdateItem'] },
      recipients: { items: ['GetItem'] },
      limits: { items: ['GetItem'] },
      usage: { items: ['GetItem', 'PutItem', 'UpdateItem'] },
    },
    secrets: ['villageWebhookSecret', 'stripeSecretKey'],
    readConfig: villageConfig,
  },
  {
    id: 'just-wallet',
    method: 'POST',
    path: '/webhooks/just-wallet',
    entry: 'functions/just-wallet/index.ts',
    description: 'Just Wallet events → payouts, fundings and quotes recorded exactly once',
    // DynamoDB only: a few conditional writes, answered in well under a second when warm.
    timeoutSeconds: 10,
    memoryMb: 512,
    // JustWalletEventStore: keep (a conditional put; a get when the race is lost), never an update
    // (marking an event applied is the operator's replay). JustWalletRecordStore: conditional
    // updates only.
    tables: { events: { items: ['GetItem', 'PutItem'] }, records: { items: ['UpdateItem'] } },
    secrets: ['justWalletWebhookSecret'],
    readConfig: justWalletConfig,
  },
  {
    id: 'stripe-events',
    method: 'POST',
    path: '/webhooks/stripe',
    // Merchant sources: each its own endpoint and signing secret (`npm run sources`).
    extraPaths: ['/webhooks/stripe/{sourceId}'],
    entry: 'functions/stripe-events/index.ts',
    description:
      'Stripe events (platform and Connect, and merchant sources) → cash-out ledger, payment transactions, refunds and disputes, each event applied once and in order',
    // DynamoDB only, no Stripe API call: answered well within Stripe's timeout.
    timeoutSeconds: 10,
    memoryMb: 512,
    // LedgerEvents: get, byStripeObjectId, conditional updates (never a put: a cash-out is created
    // only by the cash-out route). RecipientStore.setPayoutsEnabled: byAccountId, conditional
    // updates (never a put: no remapping an email to another account). StripeEventStore: claim
    // (a conditional put), markApplied, release. StripeRecordStore: get, conditional updates.
    // SourceStore: the source named in the path (a get).
    tables: {
      ledger: { items: ['GetItem', 'UpdateItem'], queries: ['byStripeObjectId'] },
      recipients: { items: ['UpdateItem'], queries: ['byAccountId'] },
      events: { items: ['GetItem', 'PutItem', 'UpdateItem'] },
      records: { items: ['GetItem', 'UpdateItem'] },
      sources: { items: ['GetItem'] },
      // LimitUsage.release: a cash-out that ends not paid gives back its limits (a get, a transaction of conditional updates).
      usage: { items: ['GetItem', 'UpdateItem'] },
    },
    // Never the platform's API key (it can move money): a report run's file is fetched by the reports job.
    secrets: ['stripeWebhookSecret', 'stripeConnectWebhookSecret'],
    sourceSecrets: 'read',
    readConfig: stripeEventsConfig,
  },
];

/** Every path a route serves: its own, then the extra ones. */
export const routePaths = (definition: RouteDefinition): string[] => [definition.path, ...(definition.extraPaths ?? [])];

export function route(id: string): RouteDefinition {
  const found = ROUTES.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`No route ${id}`);
  return found;
}

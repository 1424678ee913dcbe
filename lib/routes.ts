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
  /** The tables it touches, and how. */
  tables: Partial<Record<TableDefinition['id'], 'read' | 'readWrite'>>;
  /** Secrets it reads (ids of SECRETS in lib/secrets.ts). */
  secrets: string[];
  /** Reads the merchant sources' secrets (Secrets Manager, by name prefix: lib/stripe-sources.ts). */
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
    memoryMb: 1024,
    tables: { ledger: 'readWrite', recipients: 'read' },
    secrets: ['villageWebhookSecret', 'stripeSecretKey'],
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
    tables: { events: 'readWrite', records: 'readWrite' },
    secrets: ['justWalletWebhookSecret'],
  },
  {
    id: 'stripe-events',
    method: 'POST',
    path: '/webhooks/stripe',
    // Merchant sources: each its own endpoint and signing secret (`npm run sources`).
    extraPaths: ['/webhooks/stripe/{sourceId}'],
    entry: 'functions/stripe-events/index.ts',
    description: 'Stripe events (platform and Connect, and merchant sources) → cash-out ledger, payment transactions, refunds and disputes, each event applied once and in order',
    // DynamoDB only, no Stripe API call: answered well within Stripe's timeout.
    timeoutSeconds: 10,
    memoryMb: 512,
    tables: { ledger: 'readWrite', recipients: 'readWrite', events: 'readWrite', records: 'readWrite', sources: 'read' },
    secrets: ['stripeWebhookSecret', 'stripeConnectWebhookSecret'],
    sourceSecrets: 'read',
  },
];

/** Every path a route serves: its own, then the extra ones. */
export const routePaths = (definition: RouteDefinition): string[] => [definition.path, ...(definition.extraPaths ?? [])];

export function route(id: string): RouteDefinition {
  const found = ROUTES.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`No route ${id}`);
  return found;
}

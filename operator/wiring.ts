import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JustWalletEventStore } from '../functions/just-wallet/events.js';
import { JustWalletRecordStore } from '../functions/just-wallet/records.js';
import type { ReconcileDeps } from '../functions/reconcile/reconcile.js';
import { reconcileDepsFromEnv } from '../functions/reconcile/wiring.js';
import { systemClock, type Clock } from '../functions/shared/clock.js';
import type { Env } from '../functions/shared/config.js';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { HistoryStore } from '../functions/shared/history.js';
import { LimitUsage } from '../functions/shared/usage.js';
import { RecipientStore } from '../functions/shared/recipients.js';
import { Logger } from '../functions/shared/telemetry.js';
import { STRIPE_EVENT_DEFAULTS } from '../functions/stripe-events/config.js';
import { StripeEventStore } from '../functions/stripe-events/event-store.js';
import { PLATFORM_SOURCE_ID } from '../functions/stripe-events/source-id.js';
import { LedgerEvents } from '../functions/stripe-events/ledger-events.js';
import { StripeRecordStore } from '../functions/stripe-events/record-store.js';
import { CashOutReads } from './cash-outs.js';
import { dryRunClient } from './dry-run.js';
import { EventReads } from './events.js';
import { RecordReads } from './records.js';
import type { ReplayTools } from './replay.js';

/** The tables an operator works on (names from the environment locally, or a stack's outputs). */
export interface OperatorTables {
  ledger: string;
  recipients: string;
  events: string;
  records: string;
  history: string;
  limits: string;
  usage: string;
}

export interface OperatorSetup {
  tables: OperatorTables;
  /** DynamoDB Local; unset against AWS. */
  endpoint?: string;
  region?: string;
  /** Who acts: the AWS identity's ARN, or `local`. */
  who: string;
  logger: Logger;
  clock?: Clock;
  /**
   * Stripe for reconciling one cash-out now (STRIPE_SECRET_KEY / STRIPE_API_BASE and the
   * RECONCILE_* settings); without one, reconciliation is unavailable and `reconcileUnavailable` says why.
   */
  stripeEnv?: Env;
  reconcileUnavailable?: string;
  /**
   * The gateway's Stripe mode (STRIPE_MODE): a replay applies only events of that mode, as the
   * route does. Default: `live` against a deployed stack, `test` locally.
   */
  stripeMode?: 'live' | 'test';
  /** A document client to use instead of one made from endpoint and region (tests). */
  db?: DynamoDBDocumentClient;
}

export interface OperatorDeps {
  who: string;
  clock: Clock;
  db: DynamoDBDocumentClient;
  tables: OperatorTables;
  cashOuts: CashOutReads;
  events: EventReads;
  records: RecordReads;
  history: HistoryStore;
  replay: ReplayTools;
  reconcile?: ReconcileDeps;
  reconcileUnavailable?: string;
  /** Lets go of the DynamoDB client this made (not one it was given). */
  close(): void;
}

/** How long a replay holds a Stripe event, and how long a kept event is remembered: the route's defaults. */
const LEASE_MS = STRIPE_EVENT_DEFAULTS.leaseSeconds * 1000;
const RETENTION_SECONDS = STRIPE_EVENT_DEFAULTS.retentionDays * 86_400;

/** The console's and the operator commands' dependencies: the routes' own stores over the same tables. */
export function operatorDeps(setup: OperatorSetup): OperatorDeps {
  const clock = setup.clock ?? systemClock;
  const db = setup.db ?? makeDocumentClient({ endpoint: setup.endpoint, region: setup.region });
  const { tables } = setup;
  const history = new HistoryStore(db, tables.history);
  const events = new EventReads(db, tables.events, tables.records);
  return {
    who: setup.who,
    clock,
    db,
    tables,
    cashOuts: new CashOutReads(db, tables.ledger),
    events,
    records: new RecordReads(db, tables.records),
    history,
    replay: { ...replayTools(setup, clock, db), events, history, who: setup.who, clock },
    reconcile: reconcileDeps(setup, clock, db),
    reconcileUnavailable: setup.stripeEnv ? undefined : (setup.reconcileUnavailable ?? 'No Stripe is configured for reconciliation.'),
    close: () => {
      if (!setup.db) db.destroy();
    },
  };
}

/** What a replay applies with: the routes' stores, and the same stores over a dry-run client for a preview. */
function replayTools(
  setup: OperatorSetup,
  clock: Clock,
  db: DynamoDBDocumentClient,
): Pick<ReplayTools, 'stripe' | 'justWallet' | 'preview'> {
  const dry = dryRunClient(db);
  // The apply code logs what it finds at error level; a dry run's findings are shown, not logged.
  const quiet = new Logger({ serviceName: 'operator-preview', logLevel: 'SILENT' });
  return {
    // A replay that settles a cash-out as not paid gives its limits back, as a delivery does (never a preview).
    stripe: {
      ...stripeStores(setup, clock, db, setup.logger),
      limits: new LimitUsage(db, setup.tables.usage, clock),
    },
    justWallet: justWalletStores(setup.tables, clock, db, setup.logger),
    preview: {
      stripe: stripeStores(setup, clock, dry, quiet),
      justWallet: justWalletStores(setup.tables, clock, dry, quiet),
    },
  };
}

/** The Stripe route's stores over `client`, for the platform's source in the gateway's mode. */
function stripeStores(setup: OperatorSetup, clock: Clock, client: DynamoDBDocumentClient, logger: Logger) {
  return {
    ledger: new LedgerEvents(client, setup.tables.ledger),
    records: new StripeRecordStore(client, setup.tables.records),
    recipients: new RecipientStore(client, setup.tables.recipients),
    events: new StripeEventStore(client, setup.tables.events),
    leaseMs: LEASE_MS,
    // A replay applies an event already kept and never keeps one anew: this is not read.
    retentionSeconds: RETENTION_SECONDS,
    // The platform's; a replay takes the stored event's own source (forSource).
    sourceId: PLATFORM_SOURCE_ID,
    livemode: (setup.stripeMode ?? (setup.endpoint ? 'test' : 'live')) === 'live',
    clock,
    logger,
  };
}

/** The Just Wallet route's stores over `client`. */
function justWalletStores(tables: OperatorTables, clock: Clock, client: DynamoDBDocumentClient, logger: Logger) {
  return {
    db: client,
    events: new JustWalletEventStore(client, tables.events),
    records: new JustWalletRecordStore(client, tables.records),
    clock,
    logger,
  };
}

/** Reconciling one cash-out now, as the reconcile job does, when a Stripe is configured. */
function reconcileDeps(setup: OperatorSetup, clock: Clock, db: DynamoDBDocumentClient): ReconcileDeps | undefined {
  if (!setup.stripeEnv) return undefined;
  const { tables } = setup;
  return reconcileDepsFromEnv(
    {
      ...setup.stripeEnv,
      LEDGER_TABLE: tables.ledger,
      HISTORY_TABLE: tables.history,
      USAGE_TABLE: tables.usage,
      DYNAMODB_ENDPOINT: setup.endpoint,
    },
    { logger: setup.logger, region: setup.region },
    clock,
    db,
  );
}

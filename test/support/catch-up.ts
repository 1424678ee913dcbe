import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { systemClock } from '../../functions/shared/clock.js';
import { LedgerStore } from '../../functions/shared/ledger.js';
import { catchUp, type CatchUpOptions, type CatchUpSummary } from '../../functions/catch-up/catch-up.js';
import type { CatchUpHandlerDeps } from '../../functions/catch-up/handler.js';
import { catchUpDepsFromEnv } from '../../functions/catch-up/wiring.js';
import { StripeRecordStore } from '../../functions/stripe-events/record-store.js';
import { StripeEventStore, type KeptStripeEvent } from '../../functions/stripe-events/event-store.js';
import { findStripeEvent } from '../../functions/stripe-events/inbox.js';
import { eventOfRecord, recordRefs, type RecordWithEvents } from '../../functions/stripe-events/record-entries.js';
import { parseStripeEvent } from '../../functions/stripe-events/event.js';
import { StripeStandIn } from '../../dev/stripe-stand-in.js';
import { TABLES } from '../../infra/tables.js';
import { createTestTables, type TestTables } from './dynamo.js';
import { sourcesFixture, type SourcesFixture } from './stripe-sources.js';
import { silentLogger } from './telemetry.js';

export const PLATFORM_KEY = 'sk_test_platform_catch_up';

export interface CatchUpHarness {
  tables: TestTables;
  stripe: StripeStandIn;
  sources: SourcesFixture;
  ledger: LedgerStore;
  events: StripeEventStore;
  records: StripeRecordStore;
  deps: CatchUpHandlerDeps;
  /** The environment the job was wired from (for the command and the handler). */
  env: Record<string, string>;
  /** Metrics counted while applying events, in order. */
  metrics: string[];
  run(options?: Partial<CatchUpOptions>): Promise<CatchUpSummary>;
  /** Every event kept: the events table's items, and the events in the records' histories. */
  storedEvents(): Promise<KeptStripeEvent[]>;
  /** One event as kept, wherever. */
  kept(event: { id: string } & Record<string, unknown>, sourceId?: string): Promise<KeptStripeEvent | undefined>;
  stop(): Promise<void>;
}

/**
 * The catch-up job as the stack wires it (catchUpDepsFromEnv), against fresh tables in
 * DynamoDB Local, a Stripe stand-in of its own reached through the real SDK, and sources
 * whose secrets are in a directory of their own.
 */
export async function catchUpHarness(): Promise<CatchUpHarness> {
  const tables = await createTestTables();
  const stripe = new StripeStandIn();
  await stripe.start();
  const sources = await sourcesFixture(tables, systemClock);
  const env: Record<string, string> = {
    ...Object.fromEntries(TABLES.map((table) => [table.env, tables.names[table.id]])),
    DYNAMODB_ENDPOINT: tables.endpoint,
    STRIPE_API_BASE: stripe.url,
    STRIPE_SECRET_KEY: PLATFORM_KEY,
    STRIPE_MODE: 'test', // the stand-in's events, like the fixtures, are test-mode events
    STRIPE_SOURCE_SECRETS_DIR: sources.secrets.dir,
    // Failures show at once: the SDK's own retries are tested by the SDK.
    CATCH_UP_STRIPE_RETRIES: '0',
  };
  const metrics: string[] = [];
  const deps = {
    ...catchUpDepsFromEnv(env, { logger: silentLogger() }, systemClock, tables.db),
    onMetric: (name: string) => metrics.push(name),
  };
  return {
    tables,
    stripe,
    sources,
    ledger: new LedgerStore(tables.db, tables.names.ledger),
    events: new StripeEventStore(tables.db, tables.names.events),
    records: new StripeRecordStore(tables.db, tables.names.records),
    deps,
    env,
    metrics,
    run: (options = {}) => catchUp(deps, { since: Date.now() - 3_600_000, ...options }),
    async storedEvents() {
      const own = await tables.db.send(new ScanCommand({ TableName: tables.names.events, ConsistentRead: true }));
      const records = await tables.db.send(new ScanCommand({ TableName: tables.names.records, ConsistentRead: true }));
      const inRecords = ((records.Items ?? []) as RecordWithEvents[]).flatMap((record) =>
        (record.history ?? []).map((entry) => eventOfRecord(record, entry)),
      );
      return [...((own.Items ?? []) as KeptStripeEvent[]), ...inRecords];
    },
    kept(event, sourceId = 'platform') {
      const records = new StripeRecordStore(tables.db, tables.names.records);
      return findStripeEvent(
        { events: new StripeEventStore(tables.db, tables.names.events, sourceId), records },
        event.id,
        recordRefs(parseStripeEvent(event), sourceId),
      );
    },
    async stop() {
      await stripe.stop();
      tables.db.destroy();
    },
  };
}

import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { systemClock } from '../../functions/shared/clock.js';
import { LedgerStore, type LedgerItem, type LedgerStatus } from '../../functions/shared/ledger.js';
import { RecipientStore } from '../../functions/shared/recipients.js';
import { staticSecret } from '../../functions/shared/secrets.js';
import { StripeEventStore } from '../../functions/stripe-events/event-store.js';
import { makeStripeEventsHandler, type StripeHandlerDeps } from '../../functions/stripe-events/handler.js';
import { LedgerEvents } from '../../functions/stripe-events/ledger-events.js';
import type { KeptStripeEvent } from '../../functions/stripe-events/event-store.js';
import { findStripeEvent } from '../../functions/stripe-events/inbox.js';
import { recordRefs } from '../../functions/stripe-events/record-entries.js';
import { StripeRecordStore } from '../../functions/stripe-events/record-store.js';
import { parseStripeEvent } from '../../functions/stripe-events/event.js';
import { PLATFORM_SOURCE_ID } from '../../functions/stripe-events/source-id.js';
import { createTestTables, type TestTables } from './dynamo.js';
import { apiGatewayEvent, directInvocation, loadFixture } from './events.js';
import { capturingLogger } from './telemetry.js';

export const STRIPE_SECRET = 'whsec_test_platform_endpoint_secret';
export const STRIPE_CONNECT_SECRET = 'whsec_test_connect_endpoint_secret';
export const STRIPE_PATH = '/webhooks/stripe';

export type StripeEventJson = Record<string, unknown> & {
  id: string;
  type: string;
  created: number;
  account?: string;
  data: { object: Record<string, unknown> };
};

/** A fixture from test/events/stripe with a fresh event id (Stripe gives every event its own). */
export function stripeEvent(type: string, object: Record<string, unknown> = {}, envelope: Partial<StripeEventJson> = {}): StripeEventJson {
  const fixture = loadFixture<StripeEventJson>('stripe', type);
  return {
    ...fixture,
    id: `evt_${randomBytes(12).toString('hex')}`,
    ...envelope,
    data: { ...fixture.data, object: { ...fixture.data.object, ...object } },
  };
}

/** `Stripe-Signature` as Stripe sends it: one `v1` per secret (several while a secret is rolled), all for one timestamp. */
export function stripeSignature(body: string, secrets: string[], timestamp = Math.floor(Date.now() / 1000)): string {
  const v1s = secrets.map((secret) =>
    Stripe.webhooks
      .generateTestHeaderString({ payload: body, secret, timestamp })
      .split(',')
      .find((part) => part.startsWith('v1='))!,
  );
  return [`t=${timestamp}`, ...v1s].join(',');
}

export interface SendOptions {
  /** Sign with these secrets (default: the platform secret). */
  secrets?: string[];
  timestamp?: number;
  /** The Stripe-Signature header as given; null sends none. */
  signature?: string | null;
  base64?: boolean;
  /** Send to `POST /webhooks/stripe/{sourceId}` (default: the platform's `POST /webhooks/stripe`). */
  sourceId?: string;
}

export interface StripeResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

export interface StripeHarness {
  tables: TestTables;
  ledger: LedgerStore;
  records: StripeRecordStore;
  events: StripeEventStore;
  recipients: RecipientStore;
  deps: StripeHandlerDeps;
  /** Names of metrics counted, in order. */
  metrics: string[];
  logs: Record<string, unknown>[];
  send(event: StripeEventJson | string, options?: SendOptions): Promise<StripeResponse>;
  /** The event as kept, wherever: its own item in the events table, or the records it moved. */
  kept(event: StripeEventJson, sourceId?: string): Promise<KeptStripeEvent | undefined>;
  stop(): Promise<void>;
}

export async function stripeHarness(overrides: Partial<StripeHandlerDeps> = {}, existing?: TestTables): Promise<StripeHarness> {
  const tables = existing ?? (await createTestTables());
  const metrics: string[] = [];
  const { logger, lines } = capturingLogger();
  const records = new StripeRecordStore(tables.db, tables.names.records);
  const events = new StripeEventStore(tables.db, tables.names.events);
  const recipients = new RecipientStore(tables.db, tables.names.recipients);
  const deps: StripeHandlerDeps = {
    sourceId: PLATFORM_SOURCE_ID,
    ledger: new LedgerEvents(tables.db, tables.names.ledger),
    records,
    recipients,
    events,
    webhookSecrets: [
      staticSecret(STRIPE_SECRET, 'STRIPE_WEBHOOK_SECRET'),
      staticSecret(STRIPE_CONNECT_SECRET, 'STRIPE_CONNECT_WEBHOOK_SECRET'),
    ],
    toleranceSeconds: 300,
    retentionSeconds: 30 * 86_400,
    leaseMs: 30_000,
    maxBodyBytes: 256 * 1024,
    livemode: false, // the fixtures are test-mode events
    clock: systemClock,
    logger,
    onMetric: (name) => metrics.push(name),
    ...overrides,
  };
  const handler = makeStripeEventsHandler(deps);
  return {
    tables,
    ledger: new LedgerStore(tables.db, tables.names.ledger),
    records,
    events,
    recipients,
    deps,
    metrics,
    logs: lines,
    async send(event, options = {}) {
      const body = typeof event === 'string' ? event : JSON.stringify(event);
      const signature =
        options.signature === undefined ? stripeSignature(body, options.secrets ?? [STRIPE_SECRET], options.timestamp) : options.signature;
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      };
      if (signature !== null) headers['stripe-signature'] = signature;
      const request =
        options.sourceId === undefined
          ? apiGatewayEvent(STRIPE_PATH, body, headers, { base64: options.base64 })
          : {
              ...apiGatewayEvent(`${STRIPE_PATH}/${options.sourceId}`, body, headers, { base64: options.base64 }),
              routeKey: `POST ${STRIPE_PATH}/{sourceId}`,
              pathParameters: { sourceId: options.sourceId },
            };
      const response = await handler(request, directInvocation);
      return { statusCode: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
    },
    kept(event, sourceId = PLATFORM_SOURCE_ID) {
      return findStripeEvent({ events: events.forSource(sourceId), records }, event.id, recordRefs(parseStripeEvent(event), sourceId));
    },
    async stop() {
      if (!existing) tables.db.destroy();
    },
  };
}

export interface CashOutSeed {
  cashOutId: string;
  status: LedgerStatus;
  /** What Village was told; omit for an item still `processing`. */
  answerStatusCode?: number;
  mode?: 'payout' | 'transfer';
  stripeObjectId?: string;
  accountId?: string;
  lastEventCreated?: number;
}

/**
 * A ledger item as the cash-out handler leaves it, written through the same store calls it
 * makes: the claim, then the outcome and Village's answer.
 */
export async function seedCashOut(ledger: LedgerStore, seed: CashOutSeed): Promise<LedgerItem> {
  const attemptId = `attempt-${seed.cashOutId}`;
  const now = new Date();
  await ledger.claim({
    cashOutId: seed.cashOutId,
    mode: seed.mode ?? 'payout',
    destinationEmail: 'ada@example.com',
    amount: '20.15',
    currency: 'USD',
    amountMinor: 2015,
    fingerprint: 'test',
    stripeIdempotencyKey: `village-cash-out:${seed.cashOutId}`,
    attemptId,
    leaseExpiresAt: now.getTime() + 60_000,
    createdAt: now.toISOString(),
    payload: '{}',
    accountId: seed.accountId ?? 'acct_1LocalSampleAda',
  });
  if (seed.status !== 'processing') {
    await ledger.update(
      seed.cashOutId,
      attemptId,
      {
        status: seed.status,
        stripeObjectId: seed.stripeObjectId,
        stripeObjectType: seed.stripeObjectId ? (seed.mode ?? 'payout') : undefined,
        lastEventCreated: seed.lastEventCreated,
        answer: { statusCode: seed.answerStatusCode ?? 200, body: { cashOutId: seed.cashOutId } },
      },
      now,
    );
  }
  return (await ledger.get(seed.cashOutId))!;
}

export const uniqueId = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

import { systemClock } from '../../functions/shared/clock.js';
import { LedgerStore } from '../../functions/shared/ledger.js';
import { LimitsAdmin } from '../../operator/limits.js';
import { LimitSettings } from '../../functions/shared/limits.js';
import { LimitUsage } from '../../functions/shared/usage.js';
import { RecipientStore } from '../../functions/shared/recipients.js';
import { staticSecret } from '../../functions/shared/secrets.js';
import { stripeFromSecret } from '../../functions/shared/wiring.js';
import { makeVillageCashOutHandler, type VillageHandlerDeps } from '../../functions/village-cash-out/handler.js';
import { DEFAULT_ID_FIELDS } from '../../functions/village-cash-out/payload.js';
import { DEFAULT_SIGNATURE_HEADERS, villageSignature } from '../../functions/village-cash-out/signature.js';
import { StripeStandIn } from '../../dev/stripe-stand-in.js';
import { createTestTables, type TestTables } from './dynamo.js';
import { apiGatewayEvent, lambdaContext, loadFixture } from './events.js';
import { silentLogger } from './telemetry.js';

export const VILLAGE_SECRET = 'test-village-secret';
export const CASH_OUT_PATH = '/webhooks/village/cash-out';

export interface VillageHarness {
  tables: TestTables;
  stripe: StripeStandIn;
  ledger: LedgerStore;
  recipients: RecipientStore;
  /** The operator's side of the limits over the harness's tables. */
  limits: LimitsAdmin;
  deps: VillageHandlerDeps;
  /** Signs (unless told otherwise) and delivers a cash-out to the handler. */
  send(
    payload: Record<string, unknown> | string,
    options?: SendOptions,
  ): Promise<{ statusCode: number; body: Record<string, unknown>; headers: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export interface SendOptions {
  secret?: string;
  /** Replace the signature header entirely (undefined value: send none). */
  headers?: Record<string, string>;
  signature?: string | null;
  base64?: boolean;
  remainingMs?: number;
}

/** A sample cash-out from test/events/village, with a fresh id unless one is given. */
export function cashOut(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...loadFixture('village', 'cash-out'), cash_out_id: `co_${Math.random().toString(36).slice(2)}`, ...overrides };
}

export async function villageHarness(overrides: Partial<VillageHandlerDeps> = {}): Promise<VillageHarness> {
  const tables = await createTestTables();
  const stripe = new StripeStandIn();
  await stripe.start();
  const ledger = new LedgerStore(tables.db, tables.names.ledger);
  const recipients = new RecipientStore(tables.db, tables.names.recipients);
  const deps: VillageHandlerDeps = {
    ledger,
    recipients,
    limits: {
      settings: new LimitSettings(tables.db, tables.names.limits, { clock: overrides.clock ?? systemClock, cacheMs: 0 }),
      usage: new LimitUsage(tables.db, tables.names.usage, overrides.clock ?? systemClock),
    },
    stripe: stripeFromSecret(staticSecret('sk_test_harness', 'STRIPE_SECRET_KEY'), stripe.url),
    villageSecret: staticSecret(VILLAGE_SECRET, 'VILLAGE_WEBHOOK_SECRET'),
    mode: 'payout',
    clock: systemClock,
    logger: silentLogger(),
    idempotencyWindowMs: 23 * 3_600_000,
    stripeAttemptTimeoutMs: 3000,
    minAttemptMs: 150,
    ledgerWriteReserveMs: 300,
    signatureHeaders: DEFAULT_SIGNATURE_HEADERS,
    idFields: DEFAULT_ID_FIELDS,
    deadlineMs: 8000,
    answerMarginMs: 500,
    maxBodyBytes: 256 * 1024,
    ...overrides,
  };
  const handler = makeVillageCashOutHandler(deps);
  return {
    tables,
    stripe,
    ledger,
    recipients,
    limits: new LimitsAdmin(
      tables.db,
      { limits: tables.names.limits, usage: tables.names.usage, history: tables.names.history },
      deps.clock,
    ),
    deps,
    async send(payload, options = {}) {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const signature = options.signature === undefined ? villageSignature(options.secret ?? VILLAGE_SECRET, body) : options.signature;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...(signature === null ? {} : { 'x-village-signature-256': signature }),
        ...options.headers,
      };
      const response = await handler(
        apiGatewayEvent(CASH_OUT_PATH, body, headers, { base64: options.base64 }),
        lambdaContext(options.remainingMs),
      );
      return {
        statusCode: response.statusCode,
        body: JSON.parse(response.body) as Record<string, unknown>,
        headers: response.headers ?? {},
      };
    },
    async stop() {
      await stripe.stop();
      tables.db.destroy();
    },
  };
}

/**
 * A harness ready for timed cash-outs to Ada: her account (acct_1Ada) is known, and one
 * cash-out has been sent, so the clients are loaded before the first cash-out a test times.
 */
export async function warmVillageHarness(overrides: Partial<VillageHandlerDeps> = {}): Promise<VillageHarness> {
  const h = await villageHarness(overrides);
  await h.recipients.put('ada@example.com', 'acct_1Ada', new Date());
  await h.send(cashOut());
  return h;
}

import { JustWalletEventStore } from '../../functions/just-wallet/events.js';
import { parseJustWalletEvent } from '../../functions/just-wallet/payload.js';
import { recordJustWalletEvent } from '../../functions/just-wallet/record-event.js';
import { JustWalletRecordStore } from '../../functions/just-wallet/records.js';
import { systemClock } from '../../functions/shared/clock.js';
import type { LedgerStore } from '../../functions/shared/ledger.js';
import type { TestTables } from './dynamo.js';
import type { JustWalletBody } from './just-wallet.js';
import { seedCashOut, stripeEvent, uniqueId, type StripeEventJson } from './stripe-events.js';
import { silentLogger } from './telemetry.js';

/**
 * A Just Wallet payout event whose delivery stopped after its first write: the event is kept,
 * never applied to its record. Returns its key.
 */
export async function unappliedJustWalletPayout(tables: TestTables, body: JustWalletBody): Promise<string> {
  const objectId = body.data.id as string;
  const status = body.data.status as string;
  const key = `just-wallet:payout:${objectId}:${status}`;
  await new JustWalletEventStore(tables.db, tables.names.events).claim({
    eventKey: key,
    provider: 'just-wallet',
    type: 'payout',
    objectId,
    kind: 'just_wallet_payout',
    status,
    receivedAt: new Date().toISOString(),
    payload: JSON.stringify(body),
    expiresAt: 0,
  });
  return key;
}

/** A verified Just Wallet event recorded by the route's own code into these tables. */
export async function deliverJustWallet(tables: TestTables, body: Record<string, unknown>): Promise<{ eventKey: string; outcome: string }> {
  const text = JSON.stringify(body);
  const event = parseJustWalletEvent(text, Buffer.from(text, 'utf8'));
  const outcome = await recordJustWalletEvent(event, text, {
    events: new JustWalletEventStore(tables.db, tables.names.events),
    records: new JustWalletRecordStore(tables.db, tables.names.records),
    clock: systemClock,
    logger: silentLogger(),
    eventRetentionSeconds: 30 * 86_400,
  });
  return { eventKey: event.eventKey, outcome };
}

export interface CashOutInFlight {
  cashOutId: string;
  /** The payout Stripe made for it, before the ledger knows. */
  payoutId: string;
  /** Stripe's `payout.paid` for that payout, on the sample recipient's account. */
  payoutPaid: StripeEventJson;
  /** Records the payout and Village's 200, as the handler does once Stripe answers. */
  finish(): Promise<void>;
}

/**
 * A cash-out still being paid (`processing` in the ledger): Stripe's events about its payout are
 * deferred (503) until `finish` records the handler's answer, and then wait for a replay or
 * Stripe's redelivery.
 */
export async function cashOutInFlight(ledger: LedgerStore): Promise<CashOutInFlight> {
  const cashOutId = uniqueId('co');
  const payoutId = uniqueId('po');
  await seedCashOut(ledger, { cashOutId, status: 'processing' });
  const answer = { statusCode: 200, body: { cashOutId } };
  return {
    cashOutId,
    payoutId,
    payoutPaid: stripeEvent('payout.paid', { id: payoutId, metadata: { cash_out_id: cashOutId } }, { account: 'acct_1LocalSampleAda' }),
    async finish() {
      const fields = { status: 'pending' as const, stripeObjectId: payoutId, stripeObjectType: 'payout' as const, answer };
      await ledger.update(cashOutId, `attempt-${cashOutId}`, fields, new Date());
    },
  };
}

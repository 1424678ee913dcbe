import { expect } from '@jest/globals';
import type { ReconcileSettings } from '../../functions/reconcile/decide.js';
import { reconcile, type ReconcileDeps } from '../../functions/reconcile/reconcile.js';
import { ReconcileStore } from '../../functions/reconcile/store.js';
import { stripeMoney } from '../../functions/reconcile/stripe-money.js';
import { staticSecret } from '../../functions/shared/secrets.js';
import { stripeFromSecret } from '../../functions/shared/wiring.js';
import { parseCashOut } from '../../functions/village-cash-out/payload.js';
import { capturingLogger } from './telemetry.js';
import { cashOut, type VillageHarness } from './village.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const SETTINGS: ReconcileSettings = { minAgeMs: 10 * MINUTE, staleMs: 72 * HOUR, recheckMs: 6 * HOUR, notFoundAfterMs: 24 * HOUR };

/**
 * A reconciliation job over a Village harness's ledger and Stripe stand-in, on a clock `offsetMs`
 * ahead (by default a minute: the next scheduled run, after the handler's lease has run out).
 */
export function jobFor(
  h: VillageHarness,
  options: {
    offsetMs?: number;
    dryRun?: boolean;
    stripe?: ReconcileDeps['stripe'];
    settings?: Partial<ReconcileSettings>;
    maxItems?: number;
    limits?: ReconcileDeps['limits'];
  } = {},
) {
  const { logger, lines } = capturingLogger();
  const counts: Record<string, number>[] = [];
  const deps: ReconcileDeps = {
    store: new ReconcileStore(h.tables.db, h.tables.names.ledger),
    stripe: options.stripe ?? stripeMoney(stripeFromSecret(staticSecret('sk_test_reconcile', 'STRIPE_SECRET_KEY'), h.stripe.url), 5000),
    clock: { now: () => Date.now() + (options.offsetMs ?? MINUTE) },
    logger,
    selection: { ...SETTINGS, lookbackMs: 30 * 24 * HOUR, ...options.settings },
    maxItems: options.maxItems ?? 500,
    dryRun: options.dryRun,
    onCounts: (c) => counts.push(c),
    limits: options.limits,
  };
  return {
    deps,
    lines,
    counts,
    /** Runs the job once; returns its summary and the Stripe requests it made. */
    async run() {
      const before = h.stripe.requests.length;
      const summary = await reconcile(deps);
      const requests = h.stripe.requests.slice(before);
      // The job never creates a payout or a transfer, whatever it decides.
      expect(requests.filter((r) => r.method === 'POST' && (r.path === '/v1/payouts' || r.path === '/v1/transfers'))).toEqual([]);
      return { summary, requests, result: (cashOutId: unknown) => summary.items.find((i) => i.cashOutId === cashOutId) };
    },
  };
}

/** A cash-out Village was answered 500 for, although Stripe created the payout (every answer lost on the way back). */
export async function answeredUnknownButPaid(h: VillageHarness, overrides: Record<string, unknown> = {}) {
  const request = cashOut(overrides);
  h.stripe.failNext({ kind: 'reset-after' }, { pathPrefix: h.deps.mode === 'payout' ? '/v1/payouts' : '/v1/transfers', times: 100 });
  const response = await h.send(request, { remainingMs: 3000 });
  await strayRequestsLanded(h);
  h.stripe.clearFaults();
  expect(response.statusCode).toBe(500);
  expect(response.body.error).toBe('payout_outcome_unknown');
  return String(request.cash_out_id);
}

/** What an invocation leaves when it dies mid-way: a claim with an expired lease, maybe a Stripe call marked and made. */
export async function crashedClaim(
  h: VillageHarness,
  { stripeCalled, stripeMarked = stripeCalled }: { stripeCalled: boolean; stripeMarked?: boolean },
) {
  const body = JSON.stringify(cashOut());
  const request = parseCashOut(body, Buffer.from(body), h.deps.mode);
  const now = new Date();
  const key = `village-cash-out:${request.cashOutId}`;
  await h.ledger.claim({
    cashOutId: request.cashOutId,
    mode: h.deps.mode,
    destinationEmail: request.destinationEmail,
    amount: request.amount,
    currency: request.currency,
    amountMinor: request.amountMinor,
    fingerprint: request.fingerprint,
    stripeIdempotencyKey: key,
    attemptId: 'dead-attempt',
    leaseExpiresAt: now.getTime() + 1000,
    createdAt: now.toISOString(),
    payload: body,
  });
  if (stripeMarked)
    await h.ledger.update(request.cashOutId, 'dead-attempt', { accountId: 'acct_1Ada', stripeRequestSentAt: now.toISOString() }, now);
  if (stripeCalled) {
    const stripe = await h.deps.stripe();
    await stripe.payouts.create(
      { amount: request.amountMinor, currency: 'usd', metadata: { cash_out_id: request.cashOutId } },
      { stripeAccount: 'acct_1Ada', idempotencyKey: key },
    );
  }
  return { cashOutId: request.cashOutId, body };
}

/**
 * Waits until the Stripe stand-in has had no request for a moment. An attempt cut off at its
 * time bound may still be sent a few milliseconds later (the Stripe SDK cannot abort it): with
 * the same idempotency key, so harmless, but it must not reach the next step of a test. A
 * second of quiet: on a loaded machine (2 shared cores) a stray came after 250 ms and reached
 * the next step (a payout created after the faults were cleared).
 */
export async function strayRequestsLanded(h: VillageHarness, quietMs = 1000): Promise<void> {
  let seen = -1;
  while (seen !== h.stripe.requests.length) {
    seen = h.stripe.requests.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
}

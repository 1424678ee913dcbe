import { _default, enum as oneOf, minLength, optional, string, url } from 'zod/mini';
import { int, readConfig, type Env } from '../shared/config.js';

/** Every setting of the reconciliation job, read and checked once at cold start. */
export function reconcileConfig(env: Env) {
  return readConfig(env, {
    LEDGER_TABLE: string().check(minLength(1)),
    /** The limits' usage: a cash-out that ends not paid gives back what it took (unset: nothing is given back). */
    USAGE_TABLE: optional(string().check(minLength(1))),
    /** Where decisions are written down for the console's cash-out story; none when unset. */
    HISTORY_TABLE: optional(string().check(minLength(1))),
    DYNAMODB_ENDPOINT: optional(url()),
    STRIPE_API_BASE: optional(url()),
    /** `live` or `test`: the mode of STRIPE_SECRET_KEY; a key of the other mode is refused before any call. */
    STRIPE_MODE: optional(oneOf(['live', 'test'])),
    /** A `processing` claim whose lease ran out is reconciled once this old (the Village handler may still be retried by Village before). */
    RECONCILE_MIN_AGE_MINUTES: int(10),
    /** A payout Village was answered 200 for, still pending or in transit after this long, is checked against Stripe. */
    RECONCILE_STALE_HOURS: int(72),
    /** And, if Stripe still has it open, checked again this often. */
    RECONCILE_RECHECK_HOURS: int(6),
    /** Stripe keeps idempotency keys for at least 24 h: a payout not found this long after the request was never made. */
    RECONCILE_NOT_FOUND_AFTER_HOURS: int(24),
    /** How far back (by last update) to look for paid or open items Village was not answered 200 for. */
    RECONCILE_LOOKBACK_DAYS: int(30),
    /** A crashed claim whose money moved (Village's answer unknown): `operator` raises it, `compensate` takes the money back. */
    RECONCILE_UNANSWERED_MONEY_MOVED: _default(oneOf(['operator', 'compensate']), 'operator'),
    RECONCILE_MAX_ITEMS: int(100),
    STRIPE_TIMEOUT_MS: int(10_000),
  });
}

export type ReconcileConfig = ReturnType<typeof reconcileConfig>;

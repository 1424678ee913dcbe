import type Stripe from 'stripe';
import { within } from './deadline.js';

/** The SDK itself is loaded only where a Stripe call is made (stripe-sdk.ts, imported on first use). */
export type StripeClient = Stripe;

export interface StripeOptions {
  /** The SDK's own retries; 0 (the default) for callers that retry with their own key and deadline. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

/** Stripe's error, as the SDK raises it, reduced to what deciding a retry needs. */
export interface StripeFailure {
  type: string;
  statusCode?: number;
  code?: string;
  message: string;
}

export function describeStripeError(error: unknown): StripeFailure | undefined {
  if (!(error instanceof Error) || !('type' in error) || typeof error.type !== 'string' || !error.type.startsWith('Stripe'))
    return undefined;
  const fields = error as Error & { type: string; statusCode?: number; code?: string };
  return { type: fields.type, statusCode: fields.statusCode, code: fields.code, message: fields.message };
}

/**
 * Whether Stripe may have acted on a request that failed this way. Connection errors
 * (timeouts, resets) and 5xx answers are ambiguous: retry with the same idempotency key.
 * 429 and 409 (a concurrent request with the same key) mean nothing was done yet: retry.
 * Other 4xx answers are definite: nothing was created.
 */
export function isRetryable(failure: StripeFailure): boolean {
  if (failure.type === 'StripeConnectionError') return true;
  if (failure.statusCode === undefined) return true;
  return failure.statusCode >= 500 || failure.statusCode === 429 || failure.statusCode === 409;
}

/**
 * A Stripe call that must finish within `ms`, connecting included. The SDK's own `timeout` is
 * a socket-inactivity timeout: a connection that trickles bytes, or one stuck connecting, can
 * outlast it. Running out of time here is reported as a connection error, which callers treat
 * as ambiguous (the request may have reached Stripe) and retry with the same idempotency key.
 */
export async function boundedStripeCall<T>(ms: number, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await within(ms, what, () => withoutCallSiteStack(call));
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeBoundExceeded') {
      throw Object.assign(new Error(`No complete answer from Stripe: ${error.message}`), {
        name: 'StripeConnectionError',
        type: 'StripeConnectionError',
      });
    }
    throw error;
  }
}

/**
 * Starts a Stripe SDK call with V8's stack traces off, so that the SDK's capture of its caller's
 * stack (`new Error().stack` on every request, to decorate a later error) formats nothing. Under
 * --enable-source-maps, which the stack sets, the first stack formatted in a process parses the
 * bundle's whole source map: some 40 ms of a cold start's first cash-out, on a path that reads
 * no stack. Only the synchronous start of the call is affected: errors the SDK raises later
 * (a refusal, a timeout) keep their own stacks, and the limit is restored before any other code runs.
 */
export function withoutCallSiteStack<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export type StripeMode = 'live' | 'test';

/** Which of Stripe's modes a secret or restricted key belongs to (`sk_live_`, `rk_test_`…). */
export function stripeModeOfKey(key: string): StripeMode | undefined {
  const match = /^(?:sk|rk)_(live|test)_/.exec(key);
  return match ? (match[1] as StripeMode) : undefined;
}

import Stripe from 'stripe';
import type { StripeClient } from '../../functions/shared/stripe.js';
import type { ListQuery, ObjectLister } from './import.js';
import type { ImportList, ListedObject } from './synthetic-event.js';

type Sleep = (ms: number) => Promise<void>;
const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RateLimit {
  /** Requests a second at most (Stripe allows about 25 per endpoint by default). */
  perSecond: number;
  /** How often a 429 is waited out and the request sent again before the list fails. */
  retries429: number;
  sleep?: Sleep;
  /** Told each time a 429 is waited out. */
  onBackOff?: (ms: number) => void;
}

/**
 * The SDK's own HTTP client, its requests spaced to `perSecond` (auto-paging's page requests
 * included), and a 429 answered by waiting as long as its `Retry-After` says (else 1, 2, 4…
 * seconds) and asking again. The SDK itself retries no 429. Spacing requests is a few lines;
 * a rate-limiting library would add a dependency for one sequential caller.
 */
export function rateLimitedHttpClient(limit: RateLimit, inner: Stripe.HttpClient = Stripe.createNodeHttpClient()): Stripe.HttpClient {
  const wait = limit.sleep ?? sleep;
  const interval = 1000 / limit.perSecond;
  let next = 0;
  return {
    getClientName: () => `rate-limited ${inner.getClientName()}`,
    async makeRequest(...args: Parameters<Stripe.HttpClient['makeRequest']>) {
      for (let attempt = 0; ; attempt += 1) {
        const now = Date.now();
        const start = Math.max(now, next);
        next = start + interval;
        if (start > now) await wait(start - now);
        const response = await inner.makeRequest(...args);
        if (response.getStatusCode() !== 429 || attempt >= limit.retries429) return response;
        response.dispose?.();
        const retryAfter = Number(response.getHeaders()['retry-after']);
        const ms = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : 1000 * 2 ** attempt;
        limit.onBackOff?.(ms);
        await wait(ms);
      }
    },
  };
}

type Listable = {
  list(
    params: Stripe.PaginationParams & { created?: Stripe.RangeQueryParam },
    options?: Stripe.RequestOptions,
  ): AsyncIterable<ListedObject>;
};

const RESOURCES: Record<ImportList, (stripe: StripeClient) => Listable> = {
  payment_intents: (stripe) => stripe.paymentIntents as unknown as Listable,
  charges: (stripe) => stripe.charges as unknown as Listable,
  refunds: (stripe) => stripe.refunds as unknown as Listable,
  disputes: (stripe) => stripe.disputes as unknown as Listable,
  payouts: (stripe) => stripe.payouts as unknown as Listable,
  transfers: (stripe) => stripe.transfers as unknown as Listable,
};

/**
 * `stripe.<list>.list` with `created[gte]` and `created[lt]`, 100 a page, from `starting_after`
 * on, every page through the SDK's auto-paging; a connected account's with `Stripe-Account`.
 */
export function stripeObjectLister(client: () => Promise<StripeClient>): ObjectLister {
  return {
    async *list({ list, createdGte, createdLt, startingAfter, stripeAccount }: ListQuery) {
      const resource = RESOURCES[list](await client());
      yield* resource.list(
        { created: { gte: createdGte, lt: createdLt }, limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) },
        stripeAccount ? { stripeAccount } : undefined,
      );
    },
  };
}

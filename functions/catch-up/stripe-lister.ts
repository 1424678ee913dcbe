import type { StripeClient } from '../shared/stripe.js';
import type { EventLister } from './catch-up.js';

/**
 * `stripe.events.list` with `created[gte]` (and `created[lt]`), `types[]` and 100 per page, every page through
 * the SDK's auto-paging (`starting_after`); a connected account's with the `Stripe-Account` option.
 */
export function stripeEventLister(client: () => Promise<StripeClient>): EventLister {
  return {
    async *list({ createdGte, createdLt, types, stripeAccount }) {
      const stripe = await client();
      const created = createdLt === undefined ? { gte: createdGte } : { gte: createdGte, lt: createdLt };
      yield* stripe.events.list({ created, types: [...types], limit: 100 }, stripeAccount ? { stripeAccount } : undefined);
    },
  };
}

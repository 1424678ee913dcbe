import { RecipientStore } from '../../functions/shared/recipients.js';
import { villageConfig } from '../../functions/village-cash-out/config.js';
import { makeVillageCashOutHandler } from '../../functions/village-cash-out/handler.js';
import { villageDepsFromEnv } from '../../functions/village-cash-out/wiring.js';
import { villageSignature } from '../../functions/village-cash-out/signature.js';
import { fixture } from '../../dev/send/fixtures.js';
import { wireAsIndex } from './as-index.js';
import type { BenchHandler, RouteAdapter, StripeTime } from './types.js';

/**
 * The recipients the cash-outs go to in turn, each with its own connected account: a run sends
 * some 3,700 cash-outs of 20.15 USD, which to one recipient would pass the default limit per
 * recipient and day (25,000 USD) after about 1,240 and be refused (422) from then on.
 */
const RECIPIENTS = 100;
const recipientEmail = (k: number) => `bench-recipient-${k}@example.com`;

/** Cash-outs of the sample (test/events/village/cash-out.json), each with its own id, to one of RECIPIENTS, paid through the Stripe stand-in. */
export const villageAdapter: RouteAdapter = {
  routeId: 'village-cash-out',
  async setup(context, route) {
    const config = villageConfig(context.routeEnv);
    const { db, counter, deps, metrics } = wireAsIndex(context, route.id, villageDepsFromEnv);
    const recipients = new RecipientStore(db, config.RECIPIENTS_TABLE);
    const sample = JSON.parse(fixture('village', 'cash-out')) as Record<string, unknown>;
    for (let k = 0; k < RECIPIENTS; k += 1) await recipients.put(recipientEmail(k), `acct_1BenchRecipient${k}`, new Date());
    const secret = context.secrets.VILLAGE_WEBHOOK_SECRET!;
    const stripeTime: StripeTime = { ms: 0, calls: 0 };
    const stripe = deps.stripe;
    const timed = new WeakSet<object>();
    // Time inside Stripe as the SDK measures it (request sent to answer received), so the
    // gateway's own time per cash-out is its latency less this.
    deps.stripe = async () => {
      const client = await stripe();
      if (!timed.has(client)) {
        timed.add(client);
        client.on('response', (event: { elapsed: number }) => {
          stripeTime.ms += event.elapsed;
          stripeTime.calls += 1;
        });
      }
      return client;
    };
    return {
      route,
      // As index.ts makes it.
      handler: makeVillageCashOutHandler(deps, { metrics }) as unknown as BenchHandler,
      counter,
      request(n) {
        const body = JSON.stringify({ ...sample, destination_email: recipientEmail(n % RECIPIENTS), cash_out_id: `co_bench_${n}` });
        return { body, headers: { 'content-type': 'application/json', 'x-village-signature-256': villageSignature(secret, body) } };
      },
      notes: ['Stripe: the local stand-in (accounts.retrieve, then payouts.create) on loopback'],
      stripeTime,
    };
  },
};

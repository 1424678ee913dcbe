import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hmacSha256Hex } from '../../functions/shared/hmac.js';
import { stripeEventsConfig } from '../../functions/stripe-events/config.js';
import { eventKey } from '../../functions/stripe-events/event-store.js';
import { makeStripeEventsHandler } from '../../functions/stripe-events/handler.js';
import { recordedEvents, type StoredEntry } from '../../functions/stripe-events/record-store.js';
import { stripeEventsDepsFromEnv } from '../../functions/stripe-events/wiring.js';
import { fixture } from '../../dev/send/fixtures.js';
import { scanAll, type AppliedReader } from '../applied.js';
import { wireAsIndex } from './as-index.js';
import type { BenchHandler, RouteAdapter, SignedRequest } from './types.js';

/** Payment events, the bulk of what a platform's endpoint receives, in turn. */
const SAMPLES = ['payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded', 'charge.updated'];

type StripeEventJson = { id: string; data: { object: Record<string, unknown> } };

/**
 * Stripe events from test/events/stripe, signed as Stripe signs (`t=…,v1=…`) with `secret`:
 * the same events for the route and for the peer (bench/peer/), so both are sent the same bytes.
 */
export function stripeBenchEvents(secret: string) {
  const samples = SAMPLES.map((type) => JSON.parse(fixture('stripe', type)) as StripeEventJson);
  const signed = (body: string): SignedRequest => {
    const timestamp = Math.floor(Date.now() / 1000);
    return {
      body,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': `t=${timestamp},v1=${hmacSha256Hex(secret, `${timestamp}.${body}`)}`,
      },
    };
  };
  return {
    /** A new event about a new object, the same for the same `n` (so sending it again is a duplicate). */
    request(n: number): SignedRequest {
      const sample = samples[n % samples.length]!;
      const objectId = String(sample.data.object.id).replace(/_.*/, `_bench${n}`);
      // A charge names its PaymentIntent: a new one too, so each event is about a new payment (the fixture's would make every charge one payment's).
      const intent = typeof sample.data.object.payment_intent === 'string' ? { payment_intent: `pi_bench${n}` } : {};
      return signed(
        JSON.stringify(
          { ...sample, id: `evt_bench${n}`, data: { ...sample.data, object: { ...sample.data.object, id: objectId, ...intent } } },
          null,
          2,
        ),
      );
    },
    /** A payment's events, in order, about one PaymentIntent and its charge. */
    lifecycle(n: number): { event: string; request: SignedRequest }[] {
      const created = Math.floor(Date.now() / 1000);
      return samples.map((sample, k) => {
        const charge = sample.data.object.object === 'charge';
        // The charge names its PaymentIntent, and the PaymentIntent its latest charge, as Stripe's do.
        const object = {
          ...sample.data.object,
          ...(charge
            ? { id: `ch_life${n}`, payment_intent: `pi_life${n}` }
            : { id: `pi_life${n}`, ...(sample.data.object.latest_charge ? { latest_charge: `ch_life${n}` } : {}) }),
        };
        return {
          event: SAMPLES[k]!,
          request: signed(
            JSON.stringify({ ...sample, id: `evt_life${n}x${k}`, created: created + k, data: { ...sample.data, object } }, null, 2),
          ),
        };
      });
    },
    eventIdOf: (body: string): string => (JSON.parse(body) as { id: string }).id,
  };
}

/** The Stripe events the route recorded: every entry of every Stripe record's history, read as the route's readers read it. */
function appliedStripeEvents(db: DynamoDBDocumentClient, recordsTable: string, eventIdOf: (body: string) => string): AppliedReader {
  return {
    eventKeyOf: (body) => eventKey(eventIdOf(body)),
    async applied() {
      const items = (await scanAll(db, recordsTable, 'provider, sourceId, history')) as {
        provider?: string;
        sourceId?: string;
        history?: StoredEntry[];
      }[];
      return items.filter((item) => item.provider === 'stripe').flatMap((item) => recordedEvents(item).map((event) => event.eventKey));
    },
  };
}

/** Stripe events from test/events/stripe, each a new event about a new object, signed as Stripe signs (`t=…,v1=…`). */
export const stripeEventsAdapter: RouteAdapter = {
  routeId: 'stripe-events',
  oneWritePerEvent: true,
  async setup(context, route) {
    // The route's environment configures a Connect endpoint secret too.
    const { db, counter, deps, metrics } = wireAsIndex(context, route.id, stripeEventsDepsFromEnv);
    const events = stripeBenchEvents(context.secrets.STRIPE_WEBHOOK_SECRET!);
    return {
      route,
      // As index.ts makes it.
      handler: makeStripeEventsHandler(deps, { metrics }) as unknown as BenchHandler,
      counter,
      lifecycle: events.lifecycle,
      request: events.request,
      applied: appliedStripeEvents(db, stripeEventsConfig(context.routeEnv).RECORDS_TABLE, events.eventIdOf),
      notes: [`events in turn: ${SAMPLES.join(', ')}; the platform and a Connect endpoint secret configured`],
    };
  },
};

import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { systemClock } from '../../functions/shared/clock.js';
import { hmacSha256Hex } from '../../functions/shared/hmac.js';
import { RecipientStore } from '../../functions/shared/recipients.js';
import { staticSecret } from '../../functions/shared/secrets.js';
import { makeMetrics, MetricUnit } from '../../functions/shared/telemetry.js';
import { stripeEventsConfig } from '../../functions/stripe-events/config.js';
import { StripeEventStore } from '../../functions/stripe-events/event-store.js';
import { makeStripeEventsHandler } from '../../functions/stripe-events/handler.js';
import { LedgerEvents } from '../../functions/stripe-events/ledger-events.js';
import { StripeRecordStore } from '../../functions/stripe-events/record-store.js';
import { fixture } from '../../lib/send/fixtures.js';
import type { BenchHandler, RouteAdapter } from './types.js';

/** Payment events, the bulk of what a platform's endpoint receives, in turn. */
const SAMPLES = ['payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded', 'charge.updated'];

type StripeEventJson = { id: string; data: { object: Record<string, unknown> } };

/** Stripe events from test/events/stripe, each a new event about a new object, signed as Stripe signs (`t=…,v1=…`). */
export const stripeEventsAdapter: RouteAdapter = {
  routeId: 'stripe-events',
  async setup(context, route) {
    const config = stripeEventsConfig(context.routeEnv);
    const { db, counter } = context.countedClient();
    const secret = context.secrets.STRIPE_WEBHOOK_SECRET!;
    const samples = SAMPLES.map((type) => JSON.parse(fixture('stripe', type)) as StripeEventJson);
    const logger = new Logger({ serviceName: route.id, logLevel: 'SILENT' });
    const metrics = makeMetrics(route.id);
    // As index.ts composes it, with the dependencies its wiring builds (a Connect secret too), on the counted client.
    const handler = middy(
      makeStripeEventsHandler({
        ledger: new LedgerEvents(db, config.LEDGER_TABLE),
        records: new StripeRecordStore(db, config.RECORDS_TABLE),
        recipients: new RecipientStore(db, config.RECIPIENTS_TABLE),
        events: new StripeEventStore(db, config.EVENTS_TABLE),
        webhookSecrets: [staticSecret(secret, 'STRIPE_WEBHOOK_SECRET'), staticSecret(context.secrets.STRIPE_CONNECT_WEBHOOK_SECRET!, 'STRIPE_CONNECT_WEBHOOK_SECRET')],
        toleranceSeconds: config.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        retentionSeconds: config.STRIPE_EVENT_RETENTION_DAYS * 86_400,
        leaseMs: config.STRIPE_EVENT_LEASE_SECONDS * 1000,
        maxBodyBytes: config.MAX_BODY_BYTES,
        clock: systemClock,
        logger,
        onMetric: (name) => metrics.addMetric(name, MetricUnit.Count, 1),
      }),
    )
      .use(injectLambdaContext(logger))
      .use(logMetrics(metrics)) as unknown as BenchHandler;
    return {
      route,
      handler,
      counter,
      request(n) {
        const sample = samples[n % samples.length]!;
        const objectId = String(sample.data.object.id).replace(/_.*/, `_bench${n}`);
        const body = JSON.stringify({ ...sample, id: `evt_bench${n}`, data: { ...sample.data, object: { ...sample.data.object, id: objectId } } }, null, 2);
        const timestamp = Math.floor(Date.now() / 1000);
        return { body, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': `t=${timestamp},v1=${hmacSha256Hex(secret, `${timestamp}.${body}`)}` } };
      },
      notes: [`events in turn: ${SAMPLES.join(', ')}; the platform and a Connect endpoint secret configured`],
    };
  },
};

import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { systemClock } from '../../functions/shared/clock.js';
import { LedgerStore } from '../../functions/shared/ledger.js';
import { RecipientStore } from '../../functions/shared/recipients.js';
import { staticSecret } from '../../functions/shared/secrets.js';
import { makeMetrics, MetricUnit } from '../../functions/shared/telemetry.js';
import { stripeFromSecret } from '../../functions/shared/wiring.js';
import { villageConfig } from '../../functions/village-cash-out/config.js';
import { makeVillageCashOutHandler } from '../../functions/village-cash-out/handler.js';
import { villageSignature } from '../../functions/village-cash-out/signature.js';
import { fixture } from '../../lib/send/fixtures.js';
import type { BenchHandler, RouteAdapter } from './types.js';

/** Cash-outs of the sample (test/events/village/cash-out.json), each with its own id, paid through the Stripe stand-in. */
export const villageAdapter: RouteAdapter = {
  routeId: 'village-cash-out',
  async setup(context, route) {
    const config = villageConfig(context.routeEnv);
    const { db, counter } = context.countedClient();
    const recipients = new RecipientStore(db, config.RECIPIENTS_TABLE);
    const sample = JSON.parse(fixture('village', 'cash-out')) as Record<string, unknown>;
    await recipients.put(String(sample.destination_email), 'acct_1BenchRecipient', new Date());
    const secret = context.secrets.VILLAGE_WEBHOOK_SECRET!;
    const logger = new Logger({ serviceName: route.id, logLevel: 'SILENT' });
    const metrics = makeMetrics(route.id);
    // As index.ts composes it, with the dependencies its wiring builds, on the counted client.
    const handler = middy(
      makeVillageCashOutHandler({
        ledger: new LedgerStore(db, config.LEDGER_TABLE),
        recipients,
        stripe: stripeFromSecret(staticSecret(context.secrets.STRIPE_SECRET_KEY!, 'STRIPE_SECRET_KEY'), config.STRIPE_API_BASE),
        villageSecret: staticSecret(secret, 'VILLAGE_WEBHOOK_SECRET'),
        mode: config.STRIPE_PAYOUT_MODE,
        clock: systemClock,
        logger,
        onOutcome: (outcome) => metrics.addMetric(`CashOut_${outcome}`, MetricUnit.Count, 1),
        idempotencyWindowMs: config.STRIPE_IDEMPOTENCY_WINDOW_HOURS * 3_600_000,
        stripeAttemptTimeoutMs: config.STRIPE_ATTEMPT_TIMEOUT_MS,
        minAttemptMs: config.STRIPE_MIN_ATTEMPT_MS,
        signatureHeaders: config.VILLAGE_SIGNATURE_HEADERS,
        idFields: config.VILLAGE_ID_FIELDS,
        deadlineMs: config.VILLAGE_DEADLINE_MS,
        answerMarginMs: config.VILLAGE_ANSWER_MARGIN_MS,
        maxBodyBytes: config.MAX_BODY_BYTES,
      }),
    )
      .use(injectLambdaContext(logger))
      .use(logMetrics(metrics)) as unknown as BenchHandler;
    return {
      route,
      handler,
      counter,
      request(n) {
        const body = JSON.stringify({ ...sample, cash_out_id: `co_bench_${n}` });
        return { body, headers: { 'content-type': 'application/json', 'x-village-signature-256': villageSignature(secret, body) } };
      },
      notes: ['Stripe: the local stand-in (accounts.retrieve, then payouts.create) on loopback'],
    };
  },
};

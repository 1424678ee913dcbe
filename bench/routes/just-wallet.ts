import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { systemClock } from '../../functions/shared/clock.js';
import { staticSecret } from '../../functions/shared/secrets.js';
import { makeMetrics, MetricUnit } from '../../functions/shared/telemetry.js';
import { justWalletConfig } from '../../functions/just-wallet/config.js';
import { JustWalletEventStore } from '../../functions/just-wallet/events.js';
import { makeJustWalletHandler } from '../../functions/just-wallet/handler.js';
import { JustWalletRecordStore } from '../../functions/just-wallet/records.js';
import { justWalletSignature } from '../../functions/just-wallet/signature.js';
import { fixture } from '../../lib/send/fixtures.js';
import type { BenchHandler, RouteAdapter } from './types.js';

/** The event types a busy Just Wallet account sends most, in turn, each about a new object. */
const SAMPLES = ['payout', 'collection', 'payout', 'quote_creation.success'];

/** Just Wallet events from test/events/just-wallet, each with a fresh object id, signed with the HMAC of the body (the provider's sample code). */
export const justWalletAdapter: RouteAdapter = {
  routeId: 'just-wallet',
  async setup(context, route) {
    const config = justWalletConfig(context.routeEnv);
    const { db, counter } = context.countedClient();
    const secret = context.secrets.JUST_WALLET_WEBHOOK_SECRET!;
    const samples = SAMPLES.map((type) => JSON.parse(fixture('just-wallet', type)) as { data: Record<string, unknown> });
    const logger = new Logger({ serviceName: route.id, logLevel: 'SILENT' });
    const metrics = makeMetrics(route.id);
    // As index.ts composes it, with the dependencies its wiring builds, on the counted client.
    const handler = middy(
      makeJustWalletHandler({
        events: new JustWalletEventStore(db, config.EVENTS_TABLE),
        records: new JustWalletRecordStore(db, config.RECORDS_TABLE),
        webhookSecret: staticSecret(secret, 'JUST_WALLET_WEBHOOK_SECRET'),
        signatureMode: config.JUST_WALLET_SIGNATURE_MODE,
        eventRetentionSeconds: config.JUST_WALLET_EVENT_RETENTION_DAYS * 86_400,
        maxBodyBytes: config.MAX_BODY_BYTES,
        clock: systemClock,
        logger,
        onOutcome: (outcome) => metrics.addMetric(`JustWallet_${outcome}`, MetricUnit.Count, 1),
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
        const body = JSON.stringify({ ...sample, data: { ...sample.data, id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}` } });
        return { body, headers: { 'content-type': 'application/json', signature: justWalletSignature(secret, body, 'hmac') } };
      },
      notes: [`events in turn: ${SAMPLES.join(', ')}; Signature = HMAC-SHA256 of the body (mode ${config.JUST_WALLET_SIGNATURE_MODE})`],
    };
  },
};

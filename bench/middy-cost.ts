import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { MetricUnit } from '../functions/shared/telemetry.js';
import { makeStripeEventsHandler, type StripeWebhookEvent } from '../functions/stripe-events/handler.js';
import { stripeEventsDepsFromEnv } from '../functions/stripe-events/wiring.js';
import type { RouteDefinition } from '../infra/routes.js';
import type { Bundle } from './cold-start.js';
import type { BenchContext } from './context.js';
import { makeFloor } from './floor.js';
import { wireAsIndex } from './routes/as-index.js';
import type { BenchHandler } from './routes/types.js';
import { round } from './stats.js';
import type { WarmResult, WarmTarget } from './warm.js';

/** How the floor inside the Stripe route's middy chain is named in the warm group. */
export const FLOOR_IN_CHAIN_ID = 'floor in the middy chain';

/**
 * The floor (HMAC and one conditional put) as the base handler of the Stripe route's own middy
 * chain: the chain makeStripeEventsHandler builds (middy, Powertools' injectLambdaContext and
 * logMetrics, the error answer), with its base handler swapped by middy's `.handler()`. Beside the
 * bare floor in the same interleaved warm group, the difference is what the chain adds to each
 * request; nothing of the route's own work is in either. Its events are its own (`offset`).
 */
export function floorInRouteChain(context: BenchContext, route: RouteDefinition, offset: number): WarmTarget & { destroy(): void } {
  const floor = makeFloor(context);
  const { deps, metrics } = wireAsIndex(context, route.id, stripeEventsDepsFromEnv);
  const chain = makeStripeEventsHandler(deps, { metrics });
  // One metric per request, as the route records one: logMetrics then publishes as it does for the route.
  chain.handler(async (event: StripeWebhookEvent, lambda: Context) => {
    metrics.addMetric('BenchFloor', MetricUnit.Count, 1);
    return floor.handler(event as APIGatewayProxyEventV2, lambda);
  });
  return {
    id: FLOOR_IN_CHAIN_ID,
    path: '/floor',
    timeoutSeconds: route.timeoutSeconds,
    handler: chain as unknown as BenchHandler,
    counter: floor.counter,
    request: (n) => floor.request(offset + n),
    destroy: () => floor.client.destroy(),
  };
}

/** What the middy chain costs the Stripe route: per request (warm, same run) and in its bundle. */
export interface MiddyCost {
  /** The floor inside the chain less the bare floor, in ms. */
  addedP50Ms: number;
  addedP99Ms: number;
  /** The same on the time outside DynamoDB calls (p50): the chain's own work, without DynamoDB Local's noise. */
  addedOutsideDynamoP50Ms: number;
  /** …and the added p50 as a share of the Stripe route's own warm p50. */
  shareOfRouteP50: number;
  /** Bytes of @middy/core and Powertools' middy adapters in the route's bundle, and their share. */
  bundleBytes: number;
  shareOfBundle: number;
}

export function middyCost(warm: WarmResult[], routeId: string, bundle: Bundle | undefined): MiddyCost | undefined {
  const floor = warm.find((result) => result.id === 'floor');
  const inChain = warm.find((result) => result.id === FLOOR_IN_CHAIN_ID);
  const route = warm.find((result) => result.id === routeId);
  if (!floor || !inChain || !route) return undefined;
  const addedP50Ms = round(inChain.latency.p50 - floor.latency.p50);
  return {
    addedP50Ms,
    addedP99Ms: round(inChain.latency.p99 - floor.latency.p99),
    addedOutsideDynamoP50Ms: round(inChain.outsideDynamo.p50 - floor.outsideDynamo.p50),
    shareOfRouteP50: round(addedP50Ms / route.latency.p50, 3),
    bundleBytes: bundle?.middyBytes ?? 0,
    shareOfBundle: bundle ? round(bundle.middyBytes / bundle.bytes, 4) : 0,
  };
}

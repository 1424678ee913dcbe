import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { RouteDefinition } from '../../infra/routes.js';
import type { HttpResponse } from '../../functions/shared/responses.js';
import type { BenchContext } from '../context.js';
import type { AppliedReader } from '../applied.js';
import type { DynamoUsage } from '../dynamo-counter.js';

/** A request exactly as the provider would send it: the body and its signature headers. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export type BenchHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

/** One route, ready to be measured in-process. */
export interface RouteBench {
  route: RouteDefinition;
  /** The route's handler, built from its own modules the way its tests build it, on a counted client. */
  handler: BenchHandler;
  counter: { usage: DynamoUsage };
  /**
   * A realistic, correctly signed event that the route has not seen, the same for the same
   * `n` (so sending it again is a duplicate).
   */
  request(n: number): SignedRequest;
  /** What the route needs besides the shared context; the Village route's recipients, say. */
  notes: string[];
  /** Time spent inside Stripe calls (the SDK's own `elapsed` per request), for routes that call Stripe. */
  stripeTime?: StripeTime;
  /** The events about one new object, in the order the provider sends them (bench/lifecycle.ts); the same for the same `n`. */
  lifecycle?(n: number): { event: string; request: SignedRequest }[];
  /** Event routes: what the route applied, read back from its table (the load run's exactly-once check). */
  applied?: AppliedReader;
}

/** Milliseconds spent waiting on Stripe, and how many calls, summed since the route was set up. */
export interface StripeTime {
  ms: number;
  calls: number;
}

/** How the benchmark builds one route; one per route id in bench/routes/index.ts. */
export interface RouteAdapter {
  routeId: string;
  /** A new event is one DynamoDB write: the bench also measures that write alone (bench/write-alone.ts). */
  oneWritePerEvent?: true;
  setup(context: BenchContext, route: RouteDefinition): Promise<RouteBench>;
}

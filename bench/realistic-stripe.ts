import { performance } from 'node:perf_hooks';
import { lambdaContext } from '../dev/gateway.js';
import { apiGatewayEvent } from '../test/support/events.js';
import type { BenchContext } from './context.js';
import type { RouteBench } from './routes/types.js';
import { summarise, type Summary } from './stats.js';

export interface RealisticStripeResult {
  routeId: string;
  /** What the stand-in added to every Stripe call. */
  stripeLatencyMs: number;
  requests: number;
  /** End to end, as Village waits for it. */
  latency: Summary;
  /** The latency less the time inside Stripe calls. */
  ownTime: Summary;
  stripeMsMean: number;
  stripeCallsPerRequest: number;
  /** Village's deadline (VILLAGE_DEADLINE_MS less VILLAGE_ANSWER_MARGIN_MS: the last moment a 200 may leave). */
  deadlineMs: number;
  p99OfDeadline: number;
  billedMsMean: number;
  /** CPU time this process spent per cash-out (the handler, the SDKs, and the stand-in's small share). */
  cpuMsPerRequest: number;
  errors: number;
  firstError?: string;
}

/**
 * The Village route with the Stripe stand-in answering each call only after `latencyMs`, as
 * the real Stripe API does from a Lambda (a few hundred ms a call). One cash-out at a time, as
 * one warm Lambda instance handles them, so each request's time inside Stripe is its own.
 */
export async function measureRealisticStripe(
  context: BenchContext,
  bench: RouteBench,
  options: { latencyMs: number; warmup: number; requests: number; offset: number; deadlineMs: number },
): Promise<RealisticStripeResult> {
  const timer = bench.stripeTime;
  if (!timer) throw new Error(`${bench.route.id} does not time its Stripe calls`);
  const samples: number[] = [];
  const own: number[] = [];
  const billed: number[] = [];
  let stripeMs = 0;
  let stripeCalls = 0;
  let errors = 0;
  let firstError: string | undefined;
  const previous = context.stripe.latencyMs;
  context.stripe.latencyMs = options.latencyMs;
  try {
    let cpuBefore = process.cpuUsage();
    for (let n = 0; n < options.warmup + options.requests; n += 1) {
      if (n === options.warmup) cpuBefore = process.cpuUsage();
      const request = bench.request(options.offset + n);
      const event = apiGatewayEvent(bench.route.path, request.body, request.headers);
      const before = { ...timer };
      const started = performance.now();
      const response = await bench.handler(event, lambdaContext(bench.route.id, bench.route.timeoutSeconds));
      const elapsed = performance.now() - started;
      if (response.statusCode !== 200) {
        errors += 1;
        firstError ??= `${response.statusCode} ${response.body}`;
      }
      if (n < options.warmup) continue;
      const inStripe = timer.ms - before.ms;
      samples.push(elapsed);
      own.push(elapsed - inStripe);
      billed.push(Math.ceil(elapsed));
      stripeMs += inStripe;
      stripeCalls += timer.calls - before.calls;
    }
    const cpu = process.cpuUsage(cpuBefore);
    const latency = summarise(samples);
    const count = Math.max(1, samples.length);
    return {
      routeId: bench.route.id,
      stripeLatencyMs: options.latencyMs,
      requests: samples.length,
      latency,
      ownTime: summarise(own),
      stripeMsMean: Number((stripeMs / count).toFixed(1)),
      stripeCallsPerRequest: Number((stripeCalls / count).toFixed(2)),
      deadlineMs: options.deadlineMs,
      p99OfDeadline: Number((latency.p99 / options.deadlineMs).toFixed(3)),
      billedMsMean: Number((billed.reduce((sum, ms) => sum + ms, 0) / count).toFixed(1)),
      cpuMsPerRequest: Number(((cpu.user + cpu.system) / 1000 / count).toFixed(2)),
      errors,
      ...(firstError ? { firstError } : {}),
    };
  } finally {
    context.stripe.latencyMs = previous;
  }
}

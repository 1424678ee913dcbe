import { performance } from 'node:perf_hooks';
import { lambdaContext } from '../dev/gateway.js';
import { apiGatewayEvent } from '../test/support/events.js';
import { combineUsage, emptyUsage, usageSince, type DynamoUsage } from './dynamo-counter.js';
import type { BenchHandler, SignedRequest, StripeTime } from './routes/types.js';
import { percentileCurve, summarise, type Summary } from './stats.js';

/** Something measured warm, in-process: a route's handler, or the floor. */
export interface WarmTarget {
  id: string;
  path: string;
  timeoutSeconds: number;
  handler: BenchHandler;
  counter: { usage: DynamoUsage };
  request(n: number): SignedRequest;
  /** Where the target calls Stripe: the time spent inside those calls. */
  stripeTime?: StripeTime;
}

export interface WarmResult {
  id: string;
  /** New events: each one the route has not seen. */
  latency: Summary;
  /** …and their distribution, latency at each of CURVE_PERCENTILES. */
  distribution: { p: number; ms: number }[];
  /** The same events delivered again, answered from the stored record. */
  duplicates: Summary;
  /** Mean DynamoDB use per request, as counted on the client. */
  dynamoPerRequest: DynamoUsage;
  dynamoPerDuplicate: DynamoUsage;
  /** Mean of the durations rounded up to whole milliseconds, as Lambda bills them. */
  billedMsMean: number;
  duplicateBilledMsMean: number;
  errors: number;
  firstError?: string;
  /** Per new request, the latency less the time in DynamoDB calls (and in Stripe calls, where timed): the route's own work. */
  outsideDynamo: Summary;
  /** Targets that call Stripe: per new request, the latency less the time inside Stripe calls. */
  ownTime?: Summary;
  /** …and the time inside Stripe calls, mean per new request, and how many calls. */
  stripeMsMean?: number;
  stripeCallsPerRequest?: number;
}

export interface WarmOptions {
  warmup: number;
  requests: number;
  duplicates: number;
}

/** One target's samples and counts, as the run goes. */
interface TargetState {
  target: WarmTarget;
  samples: number[];
  own: number[];
  outside: number[];
  stripe: { ms: number; calls: number };
  dups: number[];
  usage: DynamoUsage;
  dupUsage: DynamoUsage;
  errors: number;
  firstError?: string;
}

/**
 * Every target in turn, one request each per round (the starting target rotating), so that
 * DynamoDB Local's own warm-up, garbage collection and drift fall on all of them alike.
 */
export async function measureWarm(targets: WarmTarget[], options: WarmOptions): Promise<WarmResult[]> {
  const state: TargetState[] = targets.map((target) => ({
    target,
    samples: [],
    own: [],
    outside: [],
    stripe: { ms: 0, calls: 0 },
    dups: [],
    usage: emptyUsage(),
    dupUsage: emptyUsage(),
    errors: 0,
  }));
  const rounds = async (count: number, nOf: (round: number) => number, into: 'samples' | 'dups' | 'none') => {
    for (let round = 0; round < count; round += 1) {
      for (let k = 0; k < state.length; k += 1) await sendOnce(state[(round + k) % state.length]!, nOf(round), into);
    }
  };
  await rounds(options.warmup, (round) => round, 'none');
  await rounds(options.requests, (round) => options.warmup + round, 'samples');
  // Events already delivered (and answered) once, spread over the whole run.
  const stride = Math.max(1, Math.floor(options.requests / Math.max(1, options.duplicates)));
  await rounds(options.duplicates, (round) => options.warmup + ((round * stride) % options.requests), 'dups');
  return state.map(resultOf);
}

/** Sends request `n` to the entry's target and records it as a new event (`samples`), a duplicate (`dups`) or not at all (warm-up). */
async function sendOnce(entry: TargetState, n: number, into: 'samples' | 'dups' | 'none'): Promise<void> {
  const { target } = entry;
  const request = target.request(n);
  const event = apiGatewayEvent(target.path, request.body, request.headers);
  const context = lambdaContext(target.id, target.timeoutSeconds);
  const before = structuredClone(target.counter.usage);
  const stripeBefore = target.stripeTime ? { ...target.stripeTime } : undefined;
  const started = performance.now();
  const response = await target.handler(event, context);
  const elapsed = performance.now() - started;
  const inStripe = target.stripeTime && stripeBefore ? target.stripeTime.ms - stripeBefore.ms : 0;
  if (into === 'samples' && target.stripeTime && stripeBefore) {
    entry.own.push(elapsed - inStripe);
    entry.stripe.ms += inStripe;
    entry.stripe.calls += target.stripeTime.calls - stripeBefore.calls;
  }
  if (response.statusCode !== 200) {
    entry.errors += 1;
    entry.firstError ??= `${response.statusCode} ${response.body}`;
  }
  if (into === 'none') return;
  entry[into].push(elapsed);
  const used = usageSince(target.counter.usage, before);
  if (into === 'samples') entry.outside.push(elapsed - used.ms - inStripe);
  add(into === 'samples' ? entry.usage : entry.dupUsage, used);
}

function resultOf(entry: TargetState): WarmResult {
  const billed = (samples: number[]) =>
    Number((samples.reduce((sum, ms) => sum + Math.ceil(ms), 0) / Math.max(1, samples.length)).toFixed(3));
  const perOwn = (value: number) => Number((value / Math.max(1, entry.own.length)).toFixed(3));
  return {
    id: entry.target.id,
    latency: summarise(entry.samples),
    distribution: percentileCurve(entry.samples),
    duplicates: summarise(entry.dups),
    outsideDynamo: summarise(entry.outside),
    dynamoPerRequest: perRequest(entry.usage, entry.samples.length),
    dynamoPerDuplicate: perRequest(entry.dupUsage, entry.dups.length),
    billedMsMean: billed(entry.samples),
    duplicateBilledMsMean: billed(entry.dups),
    errors: entry.errors,
    ...(entry.firstError ? { firstError: entry.firstError } : {}),
    ...(entry.target.stripeTime
      ? { ownTime: summarise(entry.own), stripeMsMean: perOwn(entry.stripe.ms), stripeCallsPerRequest: perOwn(entry.stripe.calls) }
      : {}),
  };
}

function add(total: DynamoUsage, used: DynamoUsage): void {
  Object.assign(total, combineUsage(total, used, 1));
}

function perRequest(total: DynamoUsage, count: number): DynamoUsage {
  const mean = (value: number) => Number((value / Math.max(1, count)).toFixed(3));
  return {
    reads: mean(total.reads),
    writes: mean(total.writes),
    readUnits: mean(total.readUnits),
    writeUnits: mean(total.writeUnits),
    indexWriteUnits: mean(total.indexWriteUnits),
    ms: mean(total.ms),
    calls: Object.fromEntries(Object.entries(total.calls).map(([name, value]) => [name, mean(value)])),
    tableWrites: Object.fromEntries(
      Object.entries(total.tableWrites).map(([name, writes]) => [
        name,
        {
          table: mean(writes.table),
          indexes: Object.fromEntries(Object.entries(writes.indexes).map(([index, value]) => [index, mean(value)])),
        },
      ]),
    ),
  };
}

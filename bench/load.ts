import type { AppliedReader } from './applied.js';
import type { SignedRequest } from './routes/types.js';
import { measureThroughput, type ThroughputResult } from './throughput.js';

/** Something driven through a local gateway: an event route, or the peer. */
export interface LoadTarget {
  id: string;
  url: string;
  path: string;
  request(n: number): SignedRequest;
  applied: AppliedReader;
}

export interface ExactlyOnce {
  /** Distinct events sent, and redeliveries of them among the requests. */
  distinct: number;
  redelivered: number;
  /** Distinct events found applied once, more than once, and not at all. */
  appliedOnce: number;
  doubled: number;
  lost: number;
  ok: boolean;
  firstProblem?: string;
}

export interface LoadLevel extends Omit<ThroughputResult, 'failed'> {
  /** Of the errors, those answering either delivery of an event delivered twice (the two may be in flight at once). */
  errorsOnRedelivered: number;
  exactlyOnce: ExactlyOnce;
}

export interface LoadResult {
  id: string;
  levels: LoadLevel[];
}

export interface LoadOptions {
  concurrency: readonly number[];
  /** Distinct events per level; one in ten of them is sent a second time as well. */
  events: number;
  /** No new request after this long, per level. */
  maxSeconds: number;
  /** Request numbers from here (each level its own million). */
  offset: number;
  log?(message: string): void;
}

/** The order of request numbers: each event once, and after every tenth the one five places before it again (a redelivery, possibly while the first is still being answered). */
export function deliveryOrder(base: number, events: number): number[] {
  const order: number[] = [];
  for (let k = 0; k < events; k += 1) {
    order.push(base + k);
    if (k % 10 === 9) order.push(base + k - 5);
  }
  return order;
}

/**
 * Each target at each concurrency over keep-alive loopback connections (measureThroughput),
 * then what it applied, read back from its table: every distinct event sent must be there
 * exactly once. Events not sent before the time ran out are not counted.
 */
export async function measureLoad(targets: LoadTarget[], options: LoadOptions): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  for (const target of targets) {
    const sentOrders: number[][] = [];
    const runs: ThroughputResult[] = [];
    for (const [index, concurrency] of options.concurrency.entries()) {
      options.log?.(
        `load: ${target.id} at ${concurrency} concurrent senders, ${options.events} events and ${Math.floor(options.events / 10)} redeliveries`,
      );
      const order = deliveryOrder(options.offset + index * 1_000_000, options.events);
      const run = await measureThroughput({
        url: target.url,
        path: target.path,
        concurrency,
        maxRequests: order.length,
        maxSeconds: options.maxSeconds,
        request: (i) => target.request(order[i]!),
      });
      runs.push(run);
      sentOrders.push(order.slice(0, run.sent));
    }
    const counts = new Map<string, number>();
    for (const key of await target.applied.applied()) counts.set(key, (counts.get(key) ?? 0) + 1);
    results.push({
      id: target.id,
      levels: runs.map(({ failed, ...run }, index) => {
        const order = sentOrders[index]!;
        const twice = new Set(order.filter((n, at) => order.indexOf(n) !== at));
        return {
          ...run,
          errorsOnRedelivered: failed.filter((at) => twice.has(order[at]!)).length,
          exactlyOnce: check(target, order, counts),
        };
      }),
    });
  }
  return results;
}

function check(target: LoadTarget, sent: number[], counts: Map<string, number>): ExactlyOnce {
  const distinct = [...new Set(sent)];
  let appliedOnce = 0;
  let doubled = 0;
  let lost = 0;
  let firstProblem: string | undefined;
  for (const n of distinct) {
    const key = target.applied.eventKeyOf(target.request(n).body);
    const times = counts.get(key) ?? 0;
    if (times === 1) appliedOnce += 1;
    else if (times === 0) lost += 1;
    else doubled += 1;
    if (times !== 1) firstProblem ??= `${key} applied ${times} times`;
  }
  return {
    distinct: distinct.length,
    redelivered: sent.length - distinct.length,
    appliedOnce,
    doubled,
    lost,
    ok: doubled === 0 && lost === 0,
    ...(firstProblem ? { firstProblem } : {}),
  };
}

import { performance } from 'node:perf_hooks';
import { lambdaContext } from '../dev/gateway.js';
import { apiGatewayEvent } from '../test/support/events.js';
import { combineUsage, emptyUsage, usageSince, type DynamoUsage, type TableWrites } from './dynamo-counter.js';
import type { RouteBench, SignedRequest } from './routes/types.js';
import { summarise, type Summary } from './stats.js';

/** One step of a lifecycle (the k-th event about one object), over every lifecycle sent. */
export interface LifecycleStep {
  event: string;
  latency: Summary;
  calls: Record<string, number>;
  writeUnits: number;
  indexWriteUnits: number;
}

/**
 * The events about one object in the order a provider sends them (a payment's four, a Just
 * Wallet payout's three statuses): what each costs once the record holds the events before
 * it. The warm run sends each event about a new object; real traffic is mostly these later
 * events, and a record's write costs by its size.
 */
export interface LifecycleResult {
  routeId: string;
  lifecycles: number;
  steps: LifecycleStep[];
  /** Mean over every event of the lifecycle. */
  writeUnitsPerEvent: number;
  readUnitsPerEvent: number;
  /** Write units per event by table name and index, over the whole lifecycle (for the capacity model). */
  tableWrites: Record<string, TableWrites>;
  billedMsMean: number;
}

/** `count` lifecycles of each route that has one, one event at a time. */
export async function measureLifecycles(benches: RouteBench[], count: number, offset: number): Promise<LifecycleResult[]> {
  const results: LifecycleResult[] = [];
  for (const bench of benches) if (bench.lifecycle) results.push(await measureLifecycle(bench, bench.lifecycle, count, offset));
  return results;
}

/** One step's running totals over the lifecycles sent so far. */
interface StepTotals {
  event: string;
  samples: number[];
  calls: Record<string, number>;
  writeUnits: number;
  indexWriteUnits: number;
  readUnits: number;
  billed: number;
}

async function measureLifecycle(
  bench: RouteBench,
  lifecycle: NonNullable<RouteBench['lifecycle']>,
  count: number,
  offset: number,
): Promise<LifecycleResult> {
  let total = emptyUsage();
  const steps: StepTotals[] = [];
  for (let n = 0; n < count; n += 1) {
    for (const [k, step] of lifecycle(offset + n).entries()) {
      const entry = (steps[k] ??= {
        event: step.event,
        samples: [],
        calls: {},
        writeUnits: 0,
        indexWriteUnits: 0,
        readUnits: 0,
        billed: 0,
      });
      total = combineUsage(total, await sendStep(bench, step, entry), 1);
    }
  }
  const per = (value: number) => Number((value / count).toFixed(3));
  const events = steps.length * count;
  const mean = (of: (step: StepTotals) => number) => Number((steps.reduce((sum, step) => sum + of(step), 0) / events).toFixed(3));
  return {
    routeId: bench.route.id,
    lifecycles: count,
    steps: steps.map((step) => ({
      event: step.event,
      latency: summarise(step.samples),
      calls: Object.fromEntries(Object.entries(step.calls).map(([name, value]) => [name, per(value)])),
      writeUnits: per(step.writeUnits),
      indexWriteUnits: per(step.indexWriteUnits),
    })),
    writeUnitsPerEvent: mean((step) => step.writeUnits),
    readUnitsPerEvent: mean((step) => step.readUnits),
    tableWrites: Object.fromEntries(
      Object.entries(total.tableWrites).map(([name, writes]) => [
        name,
        {
          table: writes.table / events,
          indexes: Object.fromEntries(Object.entries(writes.indexes).map(([index, units]) => [index, units / events])),
        },
      ]),
    ),
    billedMsMean: mean((step) => step.billed),
  };
}

/** Sends one event of a lifecycle (it must be answered 200), adds what it took to `entry`, and returns its DynamoDB use. */
async function sendStep(bench: RouteBench, step: { event: string; request: SignedRequest }, entry: StepTotals): Promise<DynamoUsage> {
  const before = structuredClone(bench.counter.usage);
  const started = performance.now();
  const response = await bench.handler(
    apiGatewayEvent(bench.route.path, step.request.body, step.request.headers),
    lambdaContext(bench.route.id, bench.route.timeoutSeconds),
  );
  const elapsed = performance.now() - started;
  if (response.statusCode !== 200)
    throw new Error(`${bench.route.id} lifecycle step ${step.event} answered ${response.statusCode}: ${response.body}`);
  const used = usageSince(bench.counter.usage, before);
  entry.samples.push(elapsed);
  entry.billed += Math.ceil(elapsed);
  entry.writeUnits += used.writeUnits;
  entry.indexWriteUnits += used.indexWriteUnits;
  entry.readUnits += used.readUnits;
  for (const [name, value] of Object.entries(used.calls)) entry.calls[name] = (entry.calls[name] ?? 0) + value;
  return used;
}

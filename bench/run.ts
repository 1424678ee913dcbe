/**
 * `npm run bench [-- --quick] [--stripe-latency <ms>] [--capacity]`: each route's warm latency,
 * cold start, bundle size and cost, beside the floor it cannot beat and, for Stripe, the peer
 * (bench/peer/), measured in one run on this machine; the event routes and the peer under load
 * through the local gateway; the Village route again with Stripe as slow as the real one; and
 * the capacity model. Prints a table and writes the same figures to bench/results.json and
 * charts to bench/report.html. A benchmark: only the load run's exactly-once check can fail it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { exitWith, parseCommandLine } from '../bin/cli.js';
import { UsageError } from '../dev/command-errors.js';
import { PROJECT_ROOT } from '../infra/project-root.js';
import { ROUTES, type RouteDefinition } from '../infra/routes.js';
import { TABLES } from '../infra/tables.js';
import { capacityAt, capacityLines, ceiling, keyValuesOf, RATES, withCashOutLimits, type PerEventLoad } from './capacity.js';
import { bareTarget, bundleId, bundleRoute, bundleTarget, measureColdStarts, WHAT_IF, type Bundle, type ColdTarget } from './cold-start.js';
import { startBenchContext, withoutIndexes, type BenchContext } from './context.js';
import { costPerMillion, memoryOptions, PRICES, type CostPerMillion } from './cost.js';
import { emptyUsage } from './dynamo-counter.js';
import { measureLifecycles, type LifecycleResult } from './lifecycle.js';
import { makeFloor } from './floor.js';
import { describeMachine } from './machine.js';
import { printReport } from './report.js';
import { ADAPTERS } from './routes/index.js';
import type { RouteBench } from './routes/types.js';
import { median, ratio, round } from './stats.js';
import { measureRealisticStripe } from './realistic-stripe.js';
import { startGatewayProcess } from './throughput.js';
import { measureLoad, type LoadResult, type LoadTarget } from './load.js';
import { comparePeer } from './peer-comparison.js';
import { setupPeer, type PeerTarget } from './peer-target.js';
import { writeHtmlReport } from './report-html.js';
import { measureWarm, type WarmResult, type WarmTarget } from './warm.js';
import { makeWriteAlone } from './write-alone.js';
import { FLOOR_IN_CHAIN_ID, floorInRouteChain, middyCost } from './middy-cost.js';

// Before any handler module builds its Metrics: nothing is published from a benchmark.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const USAGE =
  'Usage: npm run bench [-- --quick] [--no-what-if] [--stripe-latency <ms>] [--capacity]\n' +
  '  --quick               a short run (about 2 minutes)\n' +
  '  --no-what-if          skip the cold start of the bundle as it was first built\n' +
  '  --stripe-latency <ms> how long the Stripe stand-in waits before each answer in the realistic Village run (default 300; 0 skips that run)\n' +
  '  --capacity            print only the capacity model, from the per-event figures in bench/results.json (no measuring)';
let options: ReturnType<typeof parseOptions>;
function parseOptions() {
  const { values } = parseCommandLine(process.argv.slice(2), {
    quick: { type: 'boolean' },
    'no-what-if': { type: 'boolean' },
    'stripe-latency': { type: 'string' },
    capacity: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  const latency = values['stripe-latency'] ?? '300';
  if (!/^\d+$/.test(latency) || Number(latency) > 5000)
    throw new UsageError(`--stripe-latency must be a whole number of milliseconds from 0 to 5000, not "${latency}".`);
  return { ...values, stripeLatencyMs: Number(latency) };
}
try {
  options = parseOptions();
} catch (error) {
  exitWith(error, { usage: USAGE });
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = options.quick === true;
/** The cold start of a variant of BUNDLING too (full runs): what meeting the target would take. */
const whatIf = !quick && options['no-what-if'] !== true;
const SETTINGS = quick
  ? {
      warmup: 30,
      requests: 200,
      duplicates: 60,
      coldRuns: 3,
      loadEvents: 200,
      loadSeconds: 20,
      stripeLatencyMs: options.stripeLatencyMs,
      realisticWarmup: 3,
      realisticRequests: 20,
      lifecycles: 30,
    }
  : {
      warmup: 200,
      requests: 1500,
      duplicates: 500,
      coldRuns: 10,
      loadEvents: 1000,
      loadSeconds: 60,
      stripeLatencyMs: options.stripeLatencyMs,
      realisticWarmup: 5,
      realisticRequests: 120,
      lifecycles: 200,
    };
const CONCURRENCY = [1, 8, 32];
/** Request numbers per phase, so that no phase sends another's events. */
const OFFSET = {
  warm: 0,
  cold: 10_000_000,
  load: 20_000_000,
  realistic: 30_000_000,
  lifecycle: 40_000_000,
  writeAlone: 50_000_000,
  middy: 60_000_000,
};
const TARGETS = { warmP50: 1.5, warmP99: 2, coldStart: 1.5, villageOwnTime: 2 };
export const RESULTS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

export interface Skipped {
  routeId: string;
  reason: string;
}

/** `--capacity`: the model only, from the per-event figures of the last run and today's index definitions. */
function printCapacityOnly(): void {
  let loads: PerEventLoad[] | undefined;
  try {
    loads = (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as { capacity?: { loads?: PerEventLoad[] } }).capacity?.loads;
  } catch {
    loads = undefined;
  }
  if (!loads) exitWith(new Error(`${path.relative(PROJECT_ROOT, RESULTS_FILE)} holds no per-event figures yet: run npm run bench first.`));
  process.stdout.write(`${capacityLines(loads.map(withCashOutLimits), keyValuesOf(TABLES)).join('\n')}\n`);
}

/** Each route's measured per-event write units, by table id (the bench's tables have their own names). */
function perEventLoads(
  benches: RouteBench[],
  warm: WarmResult[],
  tableNames: Record<string, string>,
  billedMs: Record<string, number>,
  lifecycles: LifecycleResult[],
): PerEventLoad[] {
  const idOf = new Map(Object.entries(tableNames).map(([id, name]) => [name, id]));
  return benches.map((bench) => {
    const result = warm.find((candidate) => candidate.id === bench.route.id)!;
    // Where measured, the events about one object in order (later events cost more: the record and its index entry are rewritten) rather than new objects only.
    const life = lifecycles.find((candidate) => candidate.routeId === bench.route.id);
    const writes = Object.entries(life?.tableWrites ?? result.dynamoPerRequest.tableWrites)
      .map(
        ([name, units]) =>
          [
            idOf.get(name) ?? name,
            { table: units.table, indexes: Object.fromEntries(Object.entries(units.indexes).filter(([, value]) => value > 0)) },
          ] as const,
      )
      .filter(([, units]) => units.table > 0 || Object.keys(units.indexes).length > 0);
    return withCashOutLimits({
      routeId: bench.route.id,
      billedMs: billedMs[bench.route.id] ?? result.billedMsMean,
      writes: Object.fromEntries(writes),
    });
  });
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  log(`${quick ? 'quick' : 'full'} run on ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}`);
  const context = await startBenchContext();
  // Interrupted: DynamoDB Local (a Java process) and the stand-in go too.
  const interrupted = () => void context.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let peerClient: { destroy(): void } | undefined;
  try {
    const { benches, skipped } = await setupBenches(context);
    // The peer: what a team would write instead of the Stripe route, on its own tables, at the route's memory size.
    const stripeBench = benches.find((bench) => bench.route.id === 'stripe-events');
    const peer = stripeBench ? await setupPeer(context, stripeBench.route) : undefined;
    peerClient = peer?.client;
    const measured = await measureAll(context, benches, peer, skipped);
    const results = {
      benchmark: 'npm run bench',
      mode: quick ? 'quick' : 'full',
      startedAt: startedAt.toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      machine: { ...machine, loadAverageAtEnd: Number(loadavg()[0]!.toFixed(2)) },
      settings: SETTINGS,
      notes: notesFor(machine.node),
      skipped,
      ...figuresOf(context, benches, peer, measured),
    };
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    printReport(results);
    const html = await writeHtmlReport(results);
    log(`wrote ${path.relative(PROJECT_ROOT, html)}`);
    // The load run's exactly-once check is the one thing here that fails the run.
    const broken = exactlyOnceProblems(results.load);
    for (const line of broken) log(`EXACTLY-ONCE BROKEN: ${line}`);
    if (broken.length) process.exitCode = 1;
    log(`wrote ${path.relative(PROJECT_ROOT, RESULTS_FILE)} in ${results.durationSeconds} s`);
  } finally {
    peerClient?.destroy();
    await context.stop();
  }
}

/** One bench per route in infra/routes.ts that has an adapter (bench/routes/); the others, and why, as skipped. */
async function setupBenches(context: BenchContext): Promise<{ benches: RouteBench[]; skipped: Skipped[] }> {
  const skipped: Skipped[] = [];
  const benches: RouteBench[] = [];
  for (const route of ROUTES) {
    const adapter = ADAPTERS.find((candidate) => candidate.routeId === route.id);
    if (!adapter) {
      skipped.push({ routeId: route.id, reason: 'in infra/routes.ts but no benchmark adapter in bench/routes/ yet' });
      continue;
    }
    try {
      benches.push(await adapter.setup(context, route));
    } catch (error) {
      skipped.push({ routeId: route.id, reason: `could not be set up: ${messageOf(error)}` });
    }
  }
  for (const skip of skipped) log(`skipping ${skip.routeId}: ${skip.reason}`);
  return { benches, skipped };
}

type Measured = Awaited<ReturnType<typeof measureAll>>;

/** Every measurement, in order; what could not be measured is added to `skipped`. */
async function measureAll(context: BenchContext, benches: RouteBench[], peer: PeerTarget | undefined, skipped: Skipped[]) {
  // 1 and 2: warm latency beside the floor, in one interleaved run (and the floor inside the Stripe route's middy chain).
  const stripeRoute = benches.find((bench) => bench.route.id === 'stripe-events')?.route;
  const warmGroup = await measureWarmGroup(context, benches, peer, stripeRoute);
  // 1a: the same group again, every table swapped for a copy without its indexes (withoutIndexes in context.ts).
  const bare = await measureBareGroup(context, benches);
  // 1b: the Village route with Stripe as slow as the real one.
  const realisticStripe = await measureRealistic(context, benches);
  // 3: cold starts of the bundles as the stack builds them, beside a bare SDK client.
  const { bundles, cold } = await measureColdGroup(context, benches, peer, skipped);
  // 4: the event routes and the peer under load through the local gateway, exactly-once checked.
  const load = await measureGatewayLoad(context, benches, peer).catch((error: unknown) => ({
    skipped: `the local gateway failed: ${messageOf(error)}`,
  }));
  // 5a: each route's events about one object, in order: what later events cost once the record holds the earlier ones.
  log(`lifecycles: ${SETTINGS.lifecycles} per route, one event at a time`);
  const lifecycles = (await measureLifecycles(benches, SETTINGS.lifecycles, OFFSET.lifecycle)).map((result) => {
    const bench = benches.find((candidate) => candidate.route.id === result.routeId)!;
    const warmResult = warmGroup.warm.find((candidate) => candidate.id === result.routeId)!;
    const mix = { ...emptyUsage(), writeUnits: result.writeUnitsPerEvent, readUnits: result.readUnitsPerEvent };
    return { ...result, cost: costPerMillion(bench.route, { ...warmResult, billedMsMean: result.billedMsMean, dynamoPerRequest: mix }) };
  });
  return { ...warmGroup, bare, realisticStripe, bundles, cold, load, lifecycles };
}

/** The warm group again on copies of the tables without their indexes, each route set up anew on them. */
async function measureBareGroup(context: BenchContext, benches: RouteBench[]) {
  const bareContext = await withoutIndexes(context);
  const bareBenches: RouteBench[] = [];
  for (const bench of benches)
    bareBenches.push(await ADAPTERS.find((candidate) => candidate.routeId === bench.route.id)!.setup(bareContext, bench.route));
  log('warm latency again, on the same tables without their indexes');
  return measureWarmGroup(bareContext, bareBenches);
}

async function measureRealistic(context: BenchContext, benches: RouteBench[]) {
  const villageBench = benches.find((bench) => bench.route.id === 'village-cash-out');
  if (!villageBench || SETTINGS.stripeLatencyMs === 0) return undefined;
  log(
    `realistic Stripe: ${SETTINGS.realisticRequests} cash-outs one after another, each Stripe call answered after ${SETTINGS.stripeLatencyMs} ms`,
  );
  const config = villageBench.route.readConfig(context.routeEnv) as { VILLAGE_DEADLINE_MS: number; VILLAGE_ANSWER_MARGIN_MS: number };
  return measureRealisticStripe(context, villageBench, {
    latencyMs: SETTINGS.stripeLatencyMs,
    warmup: SETTINGS.realisticWarmup,
    requests: SETTINGS.realisticRequests,
    offset: OFFSET.realistic,
    deadlineMs: config.VILLAGE_DEADLINE_MS - config.VILLAGE_ANSWER_MARGIN_MS,
  });
}

/** Each route's bundle (and, in full runs, its what-if variant) and the peer's, each started fresh `coldRuns` times. */
async function measureColdGroup(context: BenchContext, benches: RouteBench[], peer: PeerTarget | undefined, skipped: Skipped[]) {
  const bundles: Bundle[] = [];
  const coldTargets: ColdTarget[] = [bareTarget(context)];
  const add = async (routeId: string, build: () => Promise<Bundle>, target: (bundle: Bundle) => ColdTarget, variant?: string) => {
    try {
      const bundle = await build();
      bundles.push(bundle);
      coldTargets.push(target(bundle));
    } catch (error) {
      skipped.push({ routeId, reason: `cold start: the bundle${variant ? ` (${variant})` : ''} did not build: ${messageOf(error)}` });
    }
  };
  for (const [index, bench] of benches.entries()) {
    for (const variant of whatIf ? [undefined, WHAT_IF] : [undefined]) {
      const base = OFFSET.cold + index * 100_000 + (variant ? 50_000 : 0);
      await add(
        bench.route.id,
        () => bundleRoute(bench.route, variant),
        (bundle) => bundleTarget(context, bench.route, bundle, (run) => bench.request(base + run)),
        variant?.name,
      );
    }
  }
  if (peer)
    await add(
      peer.id,
      () => bundleRoute(peer),
      (bundle) => bundleTarget(context, peer, bundle, (run) => peer.request(OFFSET.cold + 900_000 + run), peer.env),
    );
  log(`cold start: ${SETTINGS.coldRuns} fresh processes each for ${coldTargets.map((t) => t.id).join(', ')}`);
  return { bundles, cold: await measureColdStarts(coldTargets, SETTINGS.coldRuns) };
}

/** What the run measured, as results.json keeps it: ratios, costs, the peer, middy, Village, capacity, targets. */
function figuresOf(context: BenchContext, benches: RouteBench[], peer: PeerTarget | undefined, measured: Measured) {
  const { warm, floorWarm, bundles, cold, bare, realisticStripe, lifecycles } = measured;
  const costs: CostPerMillion[] = benches.map((bench) =>
    costPerMillion(
      bench.route,
      warm.find((result) => result.id === bench.route.id)!,
    ),
  );
  const peerWarm = peer ? warm.find((result) => result.id === peer.id) : undefined;
  if (peer && peerWarm) costs.push(costPerMillion(peer, peerWarm));
  const stripeWarm = warm.find((result) => result.id === 'stripe-events');
  const stripeBundle = bundles.find((bundle) => bundle.routeId === stripeWarm?.id && !bundle.variant);
  const peerComparison =
    peer && peerWarm && stripeWarm
      ? comparePeer({
          route: stripeWarm,
          peer: peerWarm,
          floor: floorWarm,
          routeCost: costs.find((cost) => cost.routeId === stripeWarm.id)!,
          peerCost: costs.find((cost) => cost.routeId === peer.id)!,
          routeCold: cold.find((result) => result.id === stripeWarm.id),
          peerCold: cold.find((result) => result.id === peer.id),
          routeBundle: stripeBundle,
          peerBundle: bundles.find((bundle) => bundle.routeId === peer.id),
        })
      : undefined;
  // The Village route waits on Stripe: its concurrency is taken at the realistic latency where measured.
  const billedMs = realisticStripe ? { [realisticStripe.routeId]: realisticStripe.billedMsMean } : {};
  const loads = perEventLoads(benches, warm, context.tables as unknown as Record<string, string>, billedMs, lifecycles);
  const village = villageFigures(benches, measured);
  return {
    warm: withRatios(warm, floorWarm),
    warmWithoutIndexes: withRatios(bare.warm, bare.floorWarm),
    coldStart: cold,
    bundles: bundles.map(({ file, ...rest }) => ({ ...rest, file: path.relative(PROJECT_ROOT, file) })),
    load: measured.load,
    ...(peerComparison ? { peer: peerComparison } : {}),
    ...(stripeWarm ? { middy: middyCost(warm, stripeWarm.id, stripeBundle) } : {}),
    prices: PRICES,
    costPerMillionEvents: costs,
    ...(village ? { village } : {}),
    capacity: capacityOf(loads),
    lifecycles,
    targets: targetsFor(
      benches.map((bench) => bench.route),
      measured,
    ),
  };
}

function capacityOf(loads: PerEventLoad[]) {
  const keyValues = keyValuesOf(TABLES);
  return {
    rates: RATES,
    loads,
    atRates: loads.flatMap((load) => RATES.map((rate) => capacityAt(load, rate, keyValues))),
    ceilings: loads.map((load) => ({ routeId: load.routeId, ...ceiling(load, keyValues) })),
  };
}

/** The Village route beside its own floor, and with Stripe as slow as the real one. */
function villageFigures(benches: RouteBench[], measured: Measured) {
  const { warm, villageFloorWarm, villageFloorSteps, realisticStripe } = measured;
  const villageBench = benches.find((bench) => bench.route.id === 'village-cash-out');
  const villageWarm = warm.find((result) => result.id === villageBench?.route.id);
  if (!villageBench || !villageWarm || !villageFloorWarm) return undefined;
  const { ownTime } = villageWarm;
  return {
    floor: {
      latency: villageFloorWarm.latency,
      writesMedianMs: Object.fromEntries(Object.entries(villageFloorSteps!).map(([step, samples]) => [step, round(median(samples), 2)])),
      dynamoPerRequest: villageFloorWarm.dynamoPerRequest,
    },
    ownTime,
    stripeMsMean: villageWarm.stripeMsMean,
    ownTimeP50OfFloor: ownTime ? ratio(ownTime.p50, villageFloorWarm.latency.p50) : undefined,
    ownTimeP99OfFloor: ownTime ? ratio(ownTime.p99, villageFloorWarm.latency.p99) : undefined,
    ...(realisticStripe
      ? {
          realisticStripe,
          realisticCost: costPerMillion(villageBench.route, { ...villageWarm, billedMsMean: realisticStripe.billedMsMean }),
          // CPU time per cash-out from the realistic run; wall time likewise.
          memoryOptions: memoryOptions({ wallMs: realisticStripe.latency.mean, cpuMs: realisticStripe.cpuMsPerRequest }),
        }
      : {}),
  };
}

/** How the figures were taken, written beside them. */
function notesFor(node: string): string[] {
  return [
    'Warm: handlers invoked in-process with API Gateway v2 events, built from each route’s own modules as its tests build them, wrapped in the same middy chain index.ts uses (each route’s handler.ts); DynamoDB Local (in memory) and, for the Village route, the Stripe stand-in, on loopback.',
    'Floor: HMAC-SHA256 check of the raw body plus one conditional PutItem, same DynamoDB Local, same run, interleaved request by request with the routes.',
    `Middy: "${FLOOR_IN_CHAIN_ID}" is the floor as the base handler of the Stripe route’s own middy chain (bench/middy-cost.ts); less the floor, what the chain adds per request.`,
    'warmWithoutIndexes: the same warm group measured again right after, every table a copy with the same keys and no secondary index, beside its own floor. DynamoDB Local updates a table’s indexes inside each write, before answering; DynamoDB answers once the item is written and updates its indexes after (index reads are eventually consistent), so a route’s latency on AWS does not include that upkeep.',
    'Cold start: the bundle built with esbuild from BUNDLING (infra/gateway-function.ts), AWS SDK bundled, source map without sourcesContent, as the stack builds it. NODE_OPTIONS=--enable-source-maps as the stack sets it. Time from spawn() to the first answer, median of the runs.',
    ...(whatIf ? [`Cold start "(what if)": the same code bundled the earlier way, ${WHAT_IF.name}, for comparison.`] : []),
    `This machine runs Node ${node}; the Lambdas run Node.js 22 on arm64 (Graviton).`,
  ];
}

/** Each load level whose exactly-once check failed, in words. */
function exactlyOnceProblems(load: LoadResult[] | { skipped: string }): string[] {
  if ('skipped' in load) return [];
  return load.flatMap((target) =>
    target.levels
      .filter((level) => !level.exactlyOnce.ok)
      .map(
        (level) =>
          `${target.id} at ${level.concurrency}: ${level.exactlyOnce.doubled} applied twice, ${level.exactlyOnce.lost} lost (${level.exactlyOnce.firstProblem})`,
      ),
  );
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The event routes (Just Wallet, Stripe) and the peer, each through its local gateway at each concurrency; Village's cash-outs wait on Stripe and are measured apart. */
async function measureGatewayLoad(context: BenchContext, benches: RouteBench[], peer: PeerTarget | undefined): Promise<LoadResult[]> {
  const gateway = await startGatewayProcess(context, peer?.env);
  try {
    const targets: LoadTarget[] = benches
      .filter((bench) => bench.applied)
      .map((bench) => ({ id: bench.route.id, url: gateway.url, path: bench.route.path, request: bench.request, applied: bench.applied! }));
    if (peer && gateway.peerUrl)
      targets.push({ id: peer.id, url: gateway.peerUrl, path: peer.path, request: peer.request, applied: peer.applied });
    return await measureLoad(targets, {
      concurrency: CONCURRENCY,
      events: SETTINGS.loadEvents,
      maxSeconds: SETTINGS.loadSeconds,
      offset: OFFSET.load,
      log,
    });
  } finally {
    await gateway.stop();
  }
}

/** Each result beside the floor of its own group. */
function withRatios(results: WarmResult[], floor: WarmResult) {
  return results.map((result) => ({
    ...result,
    ratioToFloor:
      result.id === 'floor'
        ? undefined
        : { p50: ratio(result.latency.p50, floor.latency.p50), p99: ratio(result.latency.p99, floor.latency.p99) },
  }));
}

/**
 * The floors, every route and each one-write route's write alone, interleaved request by
 * request in one run (measureWarm), on the context's tables.
 */
async function measureWarmGroup(context: BenchContext, benches: RouteBench[], peer?: PeerTarget, chainOf?: RouteDefinition) {
  const floor = makeFloor(context);
  // The floor again inside the Stripe route's middy chain: what the chain adds (bench/middy-cost.ts).
  const inChain = chainOf ? floorInRouteChain(context, chainOf, OFFSET.middy) : undefined;
  const villageBench = benches.find((bench) => bench.route.id === 'village-cash-out');
  // The Village route's own floor: HMAC and the three writes exactly-once requires.
  const villageFloor = villageBench ? makeFloor(context, 'village') : undefined;
  // An event route's one write alone (the floor's HMAC, then the write the route builds): what of its latency is the write's.
  // Its own events (OFFSET.writeAlone: the route never writes them), captured before the run.
  const aloneNumbers = Array.from({ length: SETTINGS.warmup + SETTINGS.requests }, (_, n) => OFFSET.writeAlone + n);
  const writesAlone: Awaited<ReturnType<typeof makeWriteAlone>>[] = [];
  for (const bench of benches) {
    const adapter = ADAPTERS.find((candidate) => candidate.routeId === bench.route.id);
    if (adapter?.oneWritePerEvent) writesAlone.push(await makeWriteAlone(context, bench.route, adapter, aloneNumbers));
  }
  const warmTargets: WarmTarget[] = [
    ...[floor, ...(villageFloor ? [villageFloor] : [])].map((f) => warmTarget(f, { path: '/floor', timeoutSeconds: 10 }, OFFSET.warm)),
    ...(inChain ? [inChain] : []),
    ...benches.map((bench) => warmTarget({ id: bench.route.id, ...bench }, bench.route, OFFSET.warm)),
    ...writesAlone.map((alone) => warmTarget(alone, alone, OFFSET.writeAlone)),
    ...(peer ? [warmTarget(peer, peer, OFFSET.warm)] : []),
  ];
  log(
    `warm latency: ${SETTINGS.requests} new events and ${SETTINGS.duplicates} duplicates per target (after ${SETTINGS.warmup} to warm up), ${warmTargets.map((t) => t.id).join(', ')}`,
  );
  const warm = await measureWarm(warmTargets, SETTINGS);
  floor.client.destroy();
  inChain?.destroy();
  villageFloor?.client.destroy();
  for (const alone of writesAlone) alone.client.destroy();
  return {
    warm,
    floorWarm: warm.find((result) => result.id === 'floor')!,
    villageFloorWarm: warm.find((result) => result.id === villageFloor?.id),
    villageFloorSteps: villageFloor?.steps,
  };
}

/** A target of the warm group, its request numbers from `offset` on. */
function warmTarget(
  source: Pick<WarmTarget, 'id' | 'handler' | 'counter' | 'request' | 'stripeTime'>,
  where: Pick<WarmTarget, 'path' | 'timeoutSeconds'>,
  offset: number,
): WarmTarget {
  const { id, handler, counter, stripeTime } = source;
  return {
    id,
    path: where.path,
    timeoutSeconds: where.timeoutSeconds,
    handler,
    counter,
    request: (n) => source.request(offset + n),
    ...(stripeTime ? { stripeTime } : {}),
  };
}

function targetsFor(routes: RouteDefinition[], measured: Measured) {
  const { warm, floorWarm: floor, cold, bundles, villageFloorWarm: villageFloor, bare } = measured;
  return routes.map((route) => {
    const w = warm.find((result) => result.id === route.id)!;
    const c = cold.find((result) => result.id === route.id);
    const w2 = cold.find((result) => result.id === bundleId({ routeId: route.id, variant: WHAT_IF.name }));
    const b = bundles.find((bundle) => bundle.routeId === route.id && !bundle.variant);
    const withoutIndexes = bare.warm.find((result) => result.id === route.id);
    const bareP50 = withoutIndexes ? ratio(withoutIndexes.latency.p50, bare.floorWarm.latency.p50) : undefined;
    return {
      routeId: route.id,
      warmP50: target(ratio(w.latency.p50, floor.latency.p50), TARGETS.warmP50),
      warmP99: target(ratio(w.latency.p99, floor.latency.p99), TARGETS.warmP99),
      ...(bareP50 === undefined ? {} : { warmP50WithoutIndexes: target(bareP50, TARGETS.warmP50) }),
      coldStart: c?.ratioToFloor === undefined ? undefined : target(c.ratioToFloor, TARGETS.coldStart),
      ...(w2?.ratioToFloor === undefined ? {} : { coldStartWhatIf: target(w2.ratioToFloor, TARGETS.coldStart) }),
      ...(route.id === 'just-wallet' && b ? { bundleFreeOfStripeSdk: { met: !b.includesStripeSdk } } : {}),
      ...(w.ownTime && villageFloor
        ? { ownTimeOfVillageFloor: target(ratio(w.ownTime.p50, villageFloor.latency.p50), TARGETS.villageOwnTime) }
        : {}),
    };
  });
}

const target = (value: number, limit: number) => ({ ratio: value, target: limit, met: value <= limit });

if (options.capacity) printCapacityOnly();
else await main();

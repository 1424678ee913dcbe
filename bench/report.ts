import { bundleId, type ColdStartResult, type Bundle } from './cold-start.js';
import { capacityLines, keyValuesOf, type CapacityAtRate, type PerEventLoad } from './capacity.js';
import { TABLES } from '../infra/tables.js';
import type { CostPerMillion, MemoryOption, PRICES } from './cost.js';
import type { DynamoUsage } from './dynamo-counter.js';
import type { LifecycleResult } from './lifecycle.js';
import type { RealisticStripeResult } from './realistic-stripe.js';
import type { Summary } from './stats.js';
import type { Machine } from './machine.js';
import type { LoadResult } from './load.js';
import type { MiddyCost } from './middy-cost.js';
import type { PeerComparison, VersusPeer } from './peer-comparison.js';
import type { WarmResult } from './warm.js';
import { WRITE_ALONE_SUFFIX } from './write-alone.js';

export interface Report {
  mode: string;
  machine: Machine & { loadAverageAtEnd: number };
  skipped: { routeId: string; reason: string }[];
  warm: (WarmResult & { ratioToFloor?: { p50: number; p99: number } })[];
  /** The same group measured again on copies of the tables without their indexes, beside its own floor. */
  warmWithoutIndexes?: (WarmResult & { ratioToFloor?: { p50: number; p99: number } })[];
  coldStart: ColdStartResult[];
  bundles: Omit<Bundle, 'file'>[];
  load: LoadResult[] | { skipped: string };
  peer?: PeerComparison;
  middy?: MiddyCost;
  prices: typeof PRICES;
  costPerMillionEvents: CostPerMillion[];
  village?: VillageFigures;
  lifecycles?: (LifecycleResult & { cost: CostPerMillion })[];
  capacity?: { loads: PerEventLoad[]; atRates: CapacityAtRate[]; ceilings: { routeId: string; eventsPerSecond: number; limit: string }[] };
  targets: {
    routeId: string;
    warmP50: Target;
    warmP99: Target;
    warmP50WithoutIndexes?: Target;
    coldStart?: Target;
    coldStartWhatIf?: Target;
    bundleFreeOfStripeSdk?: { met: boolean };
    ownTimeOfVillageFloor?: Target;
  }[];
}

/** The Village route beside its own floor, and with Stripe as slow as the real one. */
export interface VillageFigures {
  floor: { latency: Summary; writesMedianMs: Record<string, number>; dynamoPerRequest: DynamoUsage };
  ownTime?: Summary;
  stripeMsMean?: number;
  ownTimeP50OfFloor?: number;
  ownTimeP99OfFloor?: number;
  realisticStripe?: RealisticStripeResult;
  realisticCost?: CostPerMillion;
  memoryOptions?: MemoryOption[];
}

interface Target {
  ratio: number;
  target: number;
  met: boolean;
}

/** The figures as plain-text tables, for the terminal (and to paste into the README). */
export function printReport(report: Report): void {
  const m = report.machine;
  const out = [
    `Benchmark (${report.mode}) on ${m.nproc} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node} (${m.platform}); load average ${m.loadAverageAtStart} → ${m.loadAverageAtEnd}`,
    ...report.skipped.map((skip) => `Skipped ${skip.routeId}: ${skip.reason}`),
    '',
    ...warmLines(report.warm),
    ...(report.warmWithoutIndexes ? ['', ...withoutIndexesLines(report.warmWithoutIndexes, report.warm)] : []),
    '',
    ...coldStartLines(report.coldStart, report.bundles),
    '',
    ...loadLines(report.load),
    ...(report.peer ? ['', ...peerLines(report.peer)] : []),
    ...(report.middy ? ['', middyLine(report.middy)] : []),
    '',
    ...costLines(report.prices, report.costPerMillionEvents),
    ...(report.village ? ['', ...villageLines(report.village)] : []),
    ...(report.lifecycles?.length ? ['', ...lifecycleLines(report.lifecycles)] : []),
    ...(report.capacity ? ['', ...capacityLines(report.capacity.loads, keyValuesOf(TABLES))] : []),
    '',
    ...targetLines(report.targets),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

type WarmRow = Report['warm'][number];

function warmLines(warm: WarmRow[]): string[] {
  const rows = warm.map((w) => [
    w.id,
    w.latency.count,
    ms(w.latency.p50),
    ms(w.latency.p99),
    ms(w.latency.max),
    w.ratioToFloor?.p50 ?? 1,
    w.ratioToFloor?.p99 ?? 1,
    ms(w.duplicates.p50),
    ms(w.duplicates.p99),
    usage(w.dynamoPerRequest),
    w.errors,
  ]);
  const alone = warm.filter((w) => w.id.endsWith(WRITE_ALONE_SUFFIX)).flatMap((w) => writeAloneLine(w, warm));
  return [
    'Warm latency, ms (in-process, new events; duplicates separately)',
    table(['target', 'n', 'p50', 'p99', 'max', 'p50 ×floor', 'p99 ×floor', 'dup p50', 'dup p99', 'DynamoDB per event', 'errors'], rows),
    ...alone,
  ];
}

function writeAloneLine(alone: WarmRow, warm: WarmRow[]): string[] {
  const routeId = alone.id.slice(0, -WRITE_ALONE_SUFFIX.length);
  const route = warm.find((w) => w.id === routeId);
  if (!route?.ratioToFloor || !alone.ratioToFloor) return [];
  return [
    `  ${routeId}: its one write alone (the floor's HMAC, then the write the route builds for the same event) is ${alone.ratioToFloor.p50}× the floor at p50; the route's own work takes it to ${route.ratioToFloor.p50}×`,
  ];
}

function withoutIndexesLines(bare: WarmRow[], warm: WarmRow[]): string[] {
  const rows = bare.map((w) => [
    w.id,
    w.latency.count,
    ms(w.latency.p50),
    ms(w.latency.p99),
    w.ratioToFloor?.p50 ?? 1,
    w.ratioToFloor?.p99 ?? 1,
    warm.find((indexed) => indexed.id === w.id)?.ratioToFloor?.p50 ?? 1,
    usage(w.dynamoPerRequest),
    w.errors,
  ]);
  return [
    'Warm latency, ms, the same again on copies of the tables without their indexes (DynamoDB Local updates indexes inside each write; DynamoDB after answering it)',
    table(['target', 'n', 'p50', 'p99', 'p50 ×floor', 'p99 ×floor', 'with indexes: p50 ×floor', 'DynamoDB per event', 'errors'], rows),
  ];
}

function coldStartLines(coldStart: ColdStartResult[], bundles: Report['bundles']): string[] {
  const rows = coldStart.map((c) => {
    const bundle = bundles.find((b) => bundleId(b) === c.id);
    const sdk = bundle ? (bundle.includesStripeSdk ? 'yes' : 'no') : '';
    return [
      c.id,
      c.runs,
      c.wallMs,
      c.ratioToFloor ?? 1,
      c.bootMs,
      c.loadMs,
      c.firstRequestMs,
      bundle?.bytes ?? '',
      bundle?.sourceMapBytes ?? '',
      sdk,
      c.errors,
    ];
  });
  return [
    'Cold start, ms (fresh Node process: load, then one request; median)',
    table(
      ['function', 'runs', 'to answer', '×bare', 'node boot', 'load', 'first request', 'bundle bytes', 'map bytes', 'Stripe SDK', 'errors'],
      rows,
    ),
    ...bundles.map((bundle) => `  ${bundleId(bundle)}: ${bundle.heaviest.map((p) => `${p.name} ${kb(p.bytes)}`).join(', ')}`),
  ];
}

function costLines(p: Report['prices'], costs: CostPerMillion[]): string[] {
  const rows = costs.map((c) => [
    c.routeId,
    c.memoryMb,
    ms(c.billedMs),
    c.writeUnits,
    c.readUnits,
    dollars(c.lambdaCompute + c.lambdaRequests),
    dollars(c.httpApi),
    dollars(c.dynamoWrites + c.dynamoReads),
    dollars(c.total),
    dollars(c.duplicateTotal),
  ]);
  return [
    `Cost per million events, USD (${p.region}, ${p.asOf}: Lambda arm64 $${p.lambdaArmPerGbSecond}/GB-s + $${p.lambdaPerMillionRequests}/1M requests; HTTP API $${p.httpApiPerMillionRequests}/1M; DynamoDB on-demand $${p.dynamoPerMillionWriteUnits}/1M WRU, $${p.dynamoPerMillionReadUnits}/1M RRU)`,
    table(['route', 'memory MB', 'billed ms', 'WRU', 'RRU', 'Lambda', 'HTTP API', 'DynamoDB', 'total', 'duplicate'], rows),
  ];
}

/** A cost's parts, in words: `DynamoDB $…, Lambda $…, HTTP API $…`. */
const costParts = (c: CostPerMillion) =>
  `DynamoDB $${dollars(c.dynamoWrites + c.dynamoReads)}, Lambda $${dollars(c.lambdaCompute + c.lambdaRequests)}, HTTP API $${dollars(c.httpApi)}`;

function lifecycleLines(lifecycles: NonNullable<Report['lifecycles']>): string[] {
  const calls = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([name, n]) => `${n === 1 ? '' : n}${name}`)
      .join('+');
  return [
    'Events about one object, in order (each later one written to a record that holds the earlier ones): what real traffic costs',
    ...lifecycles.flatMap((life) => [
      `  ${life.routeId} (${life.lifecycles} objects): ${life.writeUnitsPerEvent} WRU per event on average; $${dollars(life.cost.total)} per million events in this mix (${costParts(life.cost)})`,
      table(
        ['event', 'p50', 'p99', 'DynamoDB calls', 'WRU', 'of which indexes'],
        life.steps.map((step) => [
          step.event,
          ms(step.latency.p50),
          ms(step.latency.p99),
          calls(step.calls),
          step.writeUnits,
          step.indexWriteUnits,
        ]),
      ),
    ]),
  ];
}

function targetLines(targets: Report['targets']): string[] {
  const rows = targets.map((t) => [
    t.routeId,
    mark(t.warmP50),
    mark(t.warmP99),
    t.warmP50WithoutIndexes ? mark(t.warmP50WithoutIndexes) : '',
    t.coldStart ? mark(t.coldStart) : 'n/a',
    t.coldStartWhatIf ? mark(t.coldStartWhatIf) : '',
    t.bundleFreeOfStripeSdk ? (t.bundleFreeOfStripeSdk.met ? 'met' : 'MISSED') : '',
    t.ownTimeOfVillageFloor ? mark(t.ownTimeOfVillageFloor) : '',
  ]);
  return [
    'Targets: warm p50 ≤ 1.5× floor (also shown on the tables without indexes, as DynamoDB would answer), p99 ≤ 2×; cold start ≤ 1.5× bare client; Just Wallet bundle without the Stripe SDK; Village own time (p50) ≤ 2× the Village floor',
    table(
      [
        'route',
        'warm p50',
        'warm p99',
        'p50 without indexes',
        'cold start',
        'cold start (what if)',
        'no Stripe SDK',
        'own time ×Village floor',
      ],
      rows,
    ),
  ];
}

function loadLines(load: Report['load']): string[] {
  if ('skipped' in load) return [`Load: skipped (${load.skipped})`];
  const rows = load.flatMap((target) =>
    target.levels.map((l) => [
      target.id,
      l.concurrency,
      l.requests,
      l.seconds,
      l.requestsPerSecond,
      ms(l.latency.p50),
      ms(l.latency.p99),
      `${l.errors}${l.errors ? ` (${l.errorsOnRedelivered} on events sent twice)` : ''}`,
      `${l.exactlyOnce.appliedOnce}/${l.exactlyOnce.distinct}`,
      l.exactlyOnce.redelivered,
      l.exactlyOnce.ok ? 'exactly once' : `BROKEN: ${l.exactlyOnce.doubled} twice, ${l.exactlyOnce.lost} lost`,
    ]),
  );
  return [
    'Load through the local gateway (keep-alive loopback connections; each level its own distinct events, one in ten sent again; applied read back from DynamoDB)',
    table(
      ['target', 'senders', 'requests', 'seconds', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'applied once', 'redelivered', 'check'],
      rows,
    ),
    ...load.flatMap((target) =>
      target.levels.filter((l) => l.firstError).map((l) => `  ${target.id} at ${l.concurrency}: first error: ${l.firstError}`),
    ),
  ];
}

function middyLine(m: MiddyCost): string {
  return (
    `The Stripe route's middy chain (the floor inside it, less the bare floor, same run): +${m.addedP50Ms.toFixed(3)} ms at p50 ` +
    `(${(m.shareOfRouteP50 * 100).toFixed(1)}% of the route's p50), +${m.addedP99Ms.toFixed(3)} ms at p99, ` +
    `+${m.addedOutsideDynamoP50Ms.toFixed(3)} ms at p50 outside DynamoDB calls; ` +
    `${m.bundleBytes} bytes of its bundle (${(m.shareOfBundle * 100).toFixed(1)}%)`
  );
}

function peerLines(c: PeerComparison): string[] {
  const row = (name: string, v: VersusPeer, unit = '') => [
    name,
    `${v.route}${unit}`,
    `${v.peer}${unit}`,
    `${v.ratio}×`,
    `≤ ${v.target}×`,
    v.met ? 'met' : 'MISSED',
  ];
  return [
    `${c.routeId} against the peer (middy + Powertools Idempotency + constructEvent + a status write; bench/peer/), same events, same run`,
    table(
      ['figure', c.routeId, c.peerId, 'ratio', 'target', ''],
      [
        row('warm p50 ms', c.warmP50),
        row('warm p99 ms', c.warmP99),
        row('write units per event', c.writeUnits),
        row('cost per 1M events $', c.costPerMillion),
        row('cold start ms', c.coldStartMs),
        ['DynamoDB round trips per event', c.roundTrips.route, c.roundTrips.peer, '', '', ''],
        ['bundle bytes', c.bundleBytes.route, c.bundleBytes.peer, '', '', ''],
        [
          'warm p50 / p99 ×floor',
          `${c.ofFloor.route.p50} / ${c.ofFloor.route.p99}`,
          `${c.ofFloor.peer.p50} / ${c.ofFloor.peer.p99}`,
          '',
          '',
          '',
        ],
      ],
    ),
  ];
}

function villageLines(v: VillageFigures): string[] {
  const writes = Object.entries(v.floor.writesMedianMs)
    .map(([step, value]) => `${step} ${value} ms`)
    .join(', ');
  return [
    `Village floor (HMAC + claim PutItem + "Stripe request sent" UpdateItem + answer UpdateItem, conditional, no indexes): p50 ${ms(v.floor.latency.p50)}, p99 ${ms(v.floor.latency.p99)} ms; each write's median: ${writes}`,
    ...(v.ownTime
      ? [
          `Village route, Stripe on loopback: own time (latency less ${ms(v.stripeMsMean ?? 0)} ms inside Stripe) p50 ${ms(v.ownTime.p50)}, p99 ${ms(v.ownTime.p99)} ms = ${v.ownTimeP50OfFloor}× / ${v.ownTimeP99OfFloor}× the Village floor`,
        ]
      : []),
    ...(v.realisticStripe ? ['', ...realisticLines(v.realisticStripe, v.realisticCost)] : []),
    ...(v.memoryOptions
      ? [
          '  by memory size (modelled: the CPU time stretches by 1769 MB / memory, the waiting does not):',
          table(
            ['memory MB', 'duration ms', 'Lambda $/1M'],
            v.memoryOptions.map((o) => [o.memoryMb, ms(o.durationMs), dollars(o.lambdaPerMillion)]),
          ),
        ]
      : []),
  ];
}

function realisticLines(r: RealisticStripeResult, cost: CostPerMillion | undefined): string[] {
  const cells: [string, string | number][] = [
    ['end to end p50', ms(r.latency.p50)],
    ['p99', ms(r.latency.p99)],
    ['max', ms(r.latency.max)],
    ['deadline', r.deadlineMs],
    ['p99 of deadline', `${(r.p99OfDeadline * 100).toFixed(1)}%`],
    ['inside Stripe (mean)', ms(r.stripeMsMean)],
    ['Stripe calls', r.stripeCallsPerRequest],
    ['own p50', ms(r.ownTime.p50)],
    ['own p99', ms(r.ownTime.p99)],
    ['billed ms', ms(r.billedMsMean)],
    ['CPU ms', r.cpuMsPerRequest],
    ['errors', r.errors],
  ];
  return [
    `Village route with each Stripe call answered after ${r.stripeLatencyMs} ms (one cash-out at a time, ${r.requests} cash-outs)`,
    table(
      cells.map(([header]) => header),
      [cells.map(([, value]) => value)],
    ),
    ...(cost ? [`  cost per 1M cash-outs at this latency: $${dollars(cost.total)} at ${cost.memoryMb} MB (${costParts(cost)})`] : []),
  ];
}

const mark = (t: Target) => `${t.ratio}× ${t.met ? 'met' : 'MISSED'}`;
const ms = (value: number) => value.toFixed(1);
const dollars = (value: number) => value.toFixed(2);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

function usage(u: DynamoUsage): string {
  const calls = Object.entries(u.calls)
    .map(([name, count]) => `${count === 1 ? '' : count}${name}`)
    .join('+');
  return `${calls || 'none'} (${u.writeUnits} WRU${u.indexWriteUnits ? ` of which ${u.indexWriteUnits} for indexes` : ''}, ${u.readUnits} RRU)`;
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => String(cell)))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    `  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}`;
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

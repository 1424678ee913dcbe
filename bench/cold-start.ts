import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { BUNDLING } from '../infra/gateway-function.js';
import { PROJECT_ROOT } from '../infra/project-root.js';
import type { RouteDefinition } from '../infra/routes.js';
import { apiGatewayEvent } from '../test/support/events.js';
import type { BenchContext } from './context.js';
import type { SignedRequest } from './routes/types.js';
import { median, ratio, round } from './stats.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cold-start-child.mjs');
export const BUNDLE_DIR = path.join(PROJECT_ROOT, '.bench', 'bundles');

export interface Bundle {
  routeId: string;
  /** Unset for the stack's own bundle; otherwise what was changed from BUNDLING. */
  variant?: string;
  file: string;
  bytes: number;
  sourceMapBytes: number;
  /** The packages that weigh most in the bundle (bytes of minified output). */
  heaviest: { name: string; bytes: number }[];
  includesStripeSdk: boolean;
  /** Bytes of @middy/core and Powertools' middy adapters (the handler chain, not Logger or Metrics themselves). */
  middyBytes: number;
}

/** A change to BUNDLING, measured beside the stack's own bundle: what a faster cold start would take. */
export interface BundleVariant {
  name: string;
  external: string[];
  sourcesContent: boolean;
}

/** The AWS SDK bundled (and tree-shaken) instead of loaded from node_modules, and source maps without the sources. */
/** The bundle as the stack built it before the cold-start optimisation, measured beside today's for comparison. */
export const WHAT_IF: BundleVariant = {
  name: 'SDK external, map with sourcesContent (before)',
  external: ['@aws-sdk/*'],
  sourcesContent: true,
};

/**
 * The function's bundle as the stack builds it: esbuild with the options of BUNDLING
 * (infra/gateway-function.ts), the way NodejsFunction passes them to esbuild; or a variant.
 */
export async function bundleRoute(route: Pick<RouteDefinition, 'id' | 'entry'>, variant?: BundleVariant): Promise<Bundle> {
  const outfile = path.join(BUNDLE_DIR, variant ? 'what-if' : 'stack', route.id, BUNDLING.format === 'esm' ? 'index.mjs' : 'index.js');
  const result = await build({
    entryPoints: [path.join(PROJECT_ROOT, route.entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: BUNDLING.format === 'esm' ? 'esm' : 'cjs',
    target: BUNDLING.target ?? 'node22',
    minify: BUNDLING.minify ?? false,
    sourcemap: BUNDLING.sourceMap ?? false,
    mainFields: BUNDLING.mainFields,
    banner: BUNDLING.banner ? { js: BUNDLING.banner } : undefined,
    external: variant?.external ?? BUNDLING.externalModules ?? ['@aws-sdk/*'],
    sourcesContent: variant?.sourcesContent ?? BUNDLING.sourcesContent ?? true,
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.values(result.metafile.outputs).flatMap((output) => Object.entries(output.inputs));
  return {
    routeId: route.id,
    ...(variant ? { variant: variant.name } : {}),
    file: outfile,
    bytes: statSync(outfile).size,
    sourceMapBytes: BUNDLING.sourceMap ? statSync(`${outfile}.map`).size : 0,
    heaviest: heaviestPackages(result.metafile),
    includesStripeSdk: inputs.some(([input]) => /node_modules\/stripe\//.test(input)),
    middyBytes: inputs.filter(([input]) => MIDDY_CHAIN.test(input)).reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0),
  };
}

const MIDDY_CHAIN = /node_modules\/(@middy\/|@aws-lambda-powertools\/[^/]+\/lib\/esm\/middleware\/)/;

function heaviestPackages(metafile: Metafile): { name: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? match[1]! : '(project code)';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, bytes]) => ({ name, bytes }));
}

interface ChildTimings {
  status: number;
  /** Node's own start-up, before the first line of the script. */
  bootMs: number;
  /** Loading the bundle (all of its top-level code: configuration, clients) or the SDK. */
  loadMs: number;
  firstRequestMs: number;
  /** From the process's time origin to the answer. */
  sinceProcessStartMs: number;
  /** From spawn() in the parent to the answer line: what the ratio is taken on. */
  wallMs: number;
}

export interface ColdStartResult {
  id: string;
  runs: number;
  /** Medians over the runs. */
  wallMs: number;
  bootMs: number;
  loadMs: number;
  firstRequestMs: number;
  /** wallMs over the bare client's wallMs. */
  ratioToFloor?: number;
  errors: number;
  firstError?: string;
}

export interface ColdTarget {
  id: string;
  /** The child's arguments and environment for run `run`; each run a new event. */
  make(run: number): { args: string[]; env: Record<string, string> };
}

export const bundleId = (bundle: Pick<Bundle, 'routeId' | 'variant'>) => (bundle.variant ? `${bundle.routeId} (what if)` : bundle.routeId);

export const BARE_ID = 'floor: bare client';

/** A function's bundle (a route's, or the peer's with its own `env`), one new event per run. */
export function bundleTarget(
  context: BenchContext,
  route: Pick<RouteDefinition, 'id' | 'path' | 'memoryMb'>,
  bundle: Bundle,
  request: (run: number) => SignedRequest,
  env: Record<string, string> = {},
): ColdTarget {
  return {
    id: bundleId(bundle),
    make(run) {
      const { body, headers } = request(run);
      return {
        args: ['bundle', pathToFileURL(bundle.file).href],
        env: {
          ...context.routeEnv,
          ...env,
          // What the stack gives every function (infra/gateway-function.ts and gateway-stack.ts).
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: route.id,
          AWS_LAMBDA_FUNCTION_NAME: route.id,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(route.memoryMb),
          BENCH_EVENT: JSON.stringify(apiGatewayEvent(route.path, body, headers)),
        },
      };
    },
  };
}

/** A process that only loads the AWS SDK's DynamoDB client, builds it and does one conditional PutItem. */
export function bareTarget(context: BenchContext): ColdTarget {
  return {
    id: BARE_ID,
    make: () => ({
      args: ['bare', context.tables.events],
      env: { DYNAMODB_ENDPOINT: context.dynamo.endpoint, NODE_OPTIONS: '--enable-source-maps' },
    }),
  };
}

/** Each target `runs` times in a fresh process, the targets taking turns. */
export async function measureColdStarts(targets: ColdTarget[], runs: number): Promise<ColdStartResult[]> {
  const samples = new Map<string, ChildTimings[]>(targets.map((target) => [target.id, []]));
  const failures = new Map<string, string[]>(targets.map((target) => [target.id, []]));
  for (let run = 0; run < runs; run += 1) {
    for (const target of targets) {
      try {
        const timings = await spawnOnce(target.make(run));
        if (timings.status !== 200) failures.get(target.id)!.push(`answered ${timings.status}`);
        samples.get(target.id)!.push(timings);
      } catch (error) {
        failures.get(target.id)!.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
  const results = targets.map((target): ColdStartResult => {
    const list = samples.get(target.id)!;
    const errors = failures.get(target.id)!;
    const med = (pick: (t: ChildTimings) => number) => round(median(list.map(pick)), 1);
    return {
      id: target.id,
      runs: list.length,
      wallMs: med((t) => t.wallMs),
      bootMs: med((t) => t.bootMs),
      loadMs: med((t) => t.loadMs),
      firstRequestMs: med((t) => t.firstRequestMs),
      errors: errors.length,
      ...(errors.length ? { firstError: errors[0] } : {}),
    };
  });
  const floor = results.find((result) => result.id === BARE_ID);
  for (const result of results) if (floor && result !== floor) result.ratioToFloor = ratio(result.wallMs, floor.wallMs);
  return results;
}

async function spawnOnce(target: { args: string[]; env: Record<string, string> }): Promise<ChildTimings> {
  const started = performance.now();
  const child = spawn(process.execPath, [CHILD, ...target.args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', ...target.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let wallMs: number | undefined;
  const answerLine = () => out.split('\n').find((candidate) => candidate.startsWith('{"status"'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill(), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (wallMs === undefined && answerLine()) wallMs = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = answerLine();
      if (!line || wallMs === undefined)
        return reject(new Error(`exit ${code}: ${err.trim().split('\n').slice(-3).join(' ') || out.trim().slice(0, 300)}`));
      resolve({ ...(JSON.parse(line) as Omit<ChildTimings, 'wallMs'>), wallMs });
    });
  });
}

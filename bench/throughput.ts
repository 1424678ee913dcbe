import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../infra/project-root.js';
import type { BenchContext } from './context.js';
import type { SignedRequest } from './routes/types.js';
import { summarise, type Summary } from './stats.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gateway-child.ts');

export interface RunningGatewayProcess {
  url: string;
  /** The peer's gateway, when its environment was given. */
  peerUrl?: string;
  stop(): Promise<void>;
}

/** Starts the local gateway (as `npm start` would) in a child process, on a free loopback port; with `peerEnv`, the peer beside it. */
export async function startGatewayProcess(context: BenchContext, peerEnv: Record<string, string> = {}): Promise<RunningGatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...context.routeEnv, ...peerEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const started = await new Promise<{ url: string; peerUrl?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local gateway did not start within 60 s: ${err.slice(-500)}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n').find((candidate) => candidate.startsWith('{"url"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { url: string; peerUrl?: string });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the local gateway exited with ${code}: ${err.slice(-500)}`));
    });
  });
  // Its output is not read after the start line; dropping it keeps the pipe from filling.
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume();
  return {
    ...started,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface ThroughputResult {
  concurrency: number;
  requests: number;
  /** Requests sent (in order, from the first): fewer than asked when the time ran out. */
  sent: number;
  seconds: number;
  requestsPerSecond: number;
  /** Answers other than 200, and failed connections. */
  errors: number;
  firstError?: string;
  /** Which requests (by index) failed. */
  failed: number[];
  latency: Summary;
}

export interface ThroughputOptions {
  url: string;
  path: string;
  concurrency: number;
  /** At most this many requests… */
  maxRequests: number;
  /** …and no new ones after this long. */
  maxSeconds: number;
  request(n: number): SignedRequest;
}

/** `concurrency` keep-alive connections on loopback, each sending the next request as soon as it has its answer. */
export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(options.path, options.url);
  const prepared = Array.from({ length: options.maxRequests }, (_, n) => options.request(n));
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const failed: number[] = [];
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;

  const worker = async () => {
    while (next < prepared.length && performance.now() < deadline) {
      const index = next++;
      const { body, headers } = prepared[index]!;
      const sent = performance.now();
      try {
        const { status, text } = await post(agent, target, body, headers);
        latencies.push(performance.now() - sent);
        if (status !== 200) {
          errors += 1;
          failed.push(index);
          firstError ??= `${status} ${text.slice(0, 200)}`;
        }
      } catch (error) {
        errors += 1;
        failed.push(index);
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    concurrency: options.concurrency,
    requests: latencies.length,
    sent: next,
    seconds: Number(seconds.toFixed(2)),
    requestsPerSecond: Number((latencies.length / seconds).toFixed(1)),
    errors,
    failed,
    ...(firstError ? { firstError } : {}),
    latency: summarise(latencies),
  };
}

function post(agent: Agent, url: URL, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

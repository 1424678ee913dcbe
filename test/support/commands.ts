import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { freePort } from '../../dev/dynamodb-local.js';
import { TABLES } from '../../infra/tables.js';
import type { TestTables } from './dynamo.js';

const TSX = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment a command gets: the test's, without jest's NODE_OPTIONS and with the given settings (undefined removes one). */
function commandEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', POWERTOOLS_LOG_LEVEL: undefined };
  for (const [name, value] of Object.entries(env)) merged[name] = value;
  for (const name of Object.keys(merged)) if (merged[name] === undefined) delete merged[name];
  return merged;
}

/** Runs `bin/<script>` as `npm run` does (through tsx), to its end (or killed after `timeoutMs`, 60 s unless said). */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { timeoutMs?: number; maxBuffer?: number } = {},
): Promise<CommandResult> {
  const { timeoutMs = 60_000, maxBuffer } = options;
  return new Promise((resolve) => {
    execFile(TSX, [script, ...args], { env: commandEnv(env), timeout: timeoutMs, maxBuffer }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The settings that point a command at a test's tables in the run's DynamoDB Local: each table's variable, and the endpoint. */
export function tablesEnv(tables: TestTables): Record<string, string> {
  return { ...Object.fromEntries(TABLES.map((table) => [table.env, tables.names[table.id]])), DYNAMODB_ENDPOINT: tables.endpoint };
}

/** A long-running command (`npm start`): its output so far, and a wait for a line. */
export function startScript(script: string, env: Record<string, string | undefined> = {}, args: string[] = []) {
  const child: ChildProcess = spawn(TSX, [script, ...args], { env: commandEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return {
    child,
    output: () => ({ stdout, stderr }),
    async waitFor(pattern: RegExp, timeoutMs = 45_000): Promise<void> {
      const started = Date.now();
      while (!pattern.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${pattern}:\n${stdout}\n${stderr}`);
        if (Date.now() - started > timeoutMs) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(): Promise<number> {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A port nothing listens on. */
export const closedPort = freePort;

export interface RecordedPost {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP server that records every request and gives one answer: where `npm run send` is pointed to prove what it sent, or that it sent nothing. */
export async function recordingServer(answer: { status?: number; body?: unknown; headers?: Record<string, string> } = {}) {
  const requests: RecordedPost[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body ?? { received: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A refusal as every command gives it: the exit code, a first line saying what was wrong, and no stack trace. */
export function refusal(result: CommandResult): { code: number; firstLine: string; stackTrace: boolean } {
  return {
    code: result.code,
    firstLine: result.stderr.trim().split('\n')[0] ?? '',
    stackTrace: /\n\s+at .+:\d+/.test(result.stderr) || /^\w*Error\b/m.test(result.stderr),
  };
}

import { randomUUID } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * The runner a bundle is invoked through, in a child process of its own, as Lambda's Node
 * runtime does: import the asset's `index.mjs`, call `handler(event, context)` with a context
 * whose remaining time is the function's timeout, and write what it returned (or threw).
 */
const RUNNER = `
import { pathToFileURL } from 'node:url';
import { readFileSync, writeFileSync } from 'node:fs';
const [bundleDir, eventFile, resultFile, functionName, timeoutSeconds] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const deadline = Date.now() + Number(timeoutSeconds) * 1000;
const context = {
  functionName, functionVersion: '$LATEST', memoryLimitInMB: '512', awsRequestId: crypto.randomUUID(),
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:' + functionName,
  logGroupName: '/aws/lambda/' + functionName, logStreamName: 'rehearsal', callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
try {
  const module = await import(pathToFileURL(bundleDir + '/index.mjs').href);
  const result = await module.handler(event, context);
  writeFileSync(resultFile, JSON.stringify({ ok: true, result: result ?? null }));
} catch (error) {
  writeFileSync(resultFile, JSON.stringify({ ok: false, error: String(error && error.stack || error) }));
}
process.exit(0);
`;

export interface Invocation {
  ok: boolean;
  result?: unknown;
  error?: string;
  /** What the function logged (its JSON log lines). */
  output: string;
}

/** Runs one bundle once on this Node (Node 24 under npm scripts), with exactly the environment given. */
export class BundleRunner {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'rehearse-run-'));
  private readonly runner = path.join(this.dir, 'runner.mjs');

  constructor() {
    writeFileSync(this.runner, RUNNER);
  }

  invoke(
    bundleDir: string,
    functionName: string,
    timeoutSeconds: number,
    env: Record<string, string>,
    event: unknown,
  ): Promise<Invocation> {
    const id = randomUUID();
    const eventFile = path.join(this.dir, `${id}.event.json`);
    const resultFile = path.join(this.dir, `${id}.result.json`);
    writeFileSync(eventFile, JSON.stringify(event));
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [this.runner, bundleDir, eventFile, resultFile, functionName, String(timeoutSeconds)], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      // Lambda's own limit, with a little for the process to start.
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000 + 10_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        try {
          resolve({ ...(JSON.parse(readFileSync(resultFile, 'utf8')) as { ok: boolean; result?: unknown; error?: string }), output });
        } catch {
          resolve({ ok: false, error: `the runner exited ${code} without a result`, output });
        }
      });
    });
  }
}

/** Whether a command is on PATH. */
export function commandAvailable(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

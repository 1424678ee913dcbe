import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { freePort, portInUse } from '../dev/dynamodb-local.js';
import { closedPort, refusal, runScript, startScript } from './support/commands.js';

/**
 * `npm start` (bin/start.ts) as a person runs it. Every run here names all its ports, so none
 * touches a gateway someone else runs on the defaults.
 */
const jestDynamo = process.env.DYNAMODB_ENDPOINT!;
let blocker: Server;
let takenPort: number;
const connections = new Set<Socket>();

beforeAll(async () => {
  // Accepts connections and never answers: something on the port that is not what npm start wants.
  blocker = createServer((socket) => connections.add(socket));
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  takenPort = (blocker.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of connections) socket.destroy();
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
});

const ports = async () => ({
  PORT: String(await freePort()),
  DYNAMODB_PORT: String(await freePort()),
  STRIPE_STAND_IN_PORT: String(await freePort()),
});
const start = async (env: Record<string, string | undefined>) =>
  runScript('bin/start.ts', [], { TABLE_PREFIX: `s${randomBytes(4).toString('hex')}`, ...(await ports()), ...env });

describe('npm start fails in one line, naming what to change, and leaves nothing running', () => {
  test.each(['PORT', 'STRIPE_STAND_IN_PORT'])('%s taken: exit 1, the variable named', async (name) => {
    const result = await start({ DYNAMODB_ENDPOINT: jestDynamo, [name]: String(takenPort) });
    expect(refusal(result)).toEqual({
      code: 1,
      firstLine: `Port ${takenPort} is taken (${name}): stop what uses it, or choose another port, e.g. ${name}=${takenPort + 1} npm start.`,
      stackTrace: false,
    });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('DYNAMODB_PORT taken by something that is not DynamoDB: exit 1, DYNAMODB_PORT named, Java not started', async () => {
    const result = await start({ DYNAMODB_ENDPOINT: undefined, DYNAMODB_PORT: String(takenPort) });
    expect(refusal(result)).toEqual({
      code: 1,
      firstLine: expect.stringMatching(new RegExp(`^Port ${takenPort} is taken \\(DYNAMODB_PORT\\)`)),
      stackTrace: false,
    });
  });

  test.each([
    ['DYNAMODB_PORT', 'abc', 'DYNAMODB_PORT must be a port number from 1 to 65535, not "abc".'],
    ['PORT', '70000', 'PORT must be a port number from 1 to 65535, not "70000".'],
    ['LOG_FORMAT', 'xml', 'LOG_FORMAT must be human or json, not "xml".'],
  ])('%s=%s: exit 2, one line that does not blame Java', async (name, value, message) => {
    const result = await start({ DYNAMODB_ENDPOINT: undefined, [name]: value });
    expect(refusal(result)).toEqual({ code: 2, firstLine: message, stackTrace: false });
    expect(result.stderr).not.toMatch(/java/i);
  });

  test('a setting a route refuses at cold start, after DynamoDB Local and the stand-in started: one line, and both are stopped', async () => {
    const env = await ports();
    const result = await runScript('bin/start.ts', [], { ...env, DYNAMODB_ENDPOINT: undefined, VILLAGE_DEADLINE_MS: 'soon' });
    expect(refusal(result)).toEqual({
      code: 2,
      firstLine: expect.stringMatching(/^village-cash-out: Invalid configuration: VILLAGE_DEADLINE_MS: /),
      stackTrace: false,
    });
    expect(await portInUse(Number(env.DYNAMODB_PORT))).toBe(false);
    expect(await portInUse(Number(env.STRIPE_STAND_IN_PORT))).toBe(false);
  }, 90_000);
});

describe('npm start, running', () => {
  test('warns of a DynamoDB Local it did not start, and prints one short line per answer', async () => {
    const env = {
      ...(await ports()),
      DYNAMODB_ENDPOINT: undefined,
      DYNAMODB_PORT: new URL(jestDynamo).port,
      TABLE_PREFIX: `s${randomBytes(4).toString('hex')}`,
    };
    const gateway = startScript('bin/start.ts', env);
    try {
      await gateway.waitFor(/Try: npm run send/);
      expect(gateway.output().stderr).toContain(
        `A DynamoDB that this npm start did not start is already on port ${env.DYNAMODB_PORT} (DYNAMODB_PORT)`,
      );
      expect(gateway.output().stderr).toContain('Its data may be stale');

      const sent = await runScript('bin/send.ts', ['village-cash-out', '--amount', '7.25'], { PORT: env.PORT });
      expect(sent.code).toBe(0);
      const cashOutId = /cashOutId: (\S+)/.exec(sent.stdout)![1]!;
      const payoutId = /Stripe payout id: (po_\S+)/.exec(sent.stdout)![1]!;
      await gateway.waitFor(new RegExp(`200 cash-out ${cashOutId}: 7\\.25 USD paid by Stripe payout ${payoutId} \\(pending\\)`));

      const event = await runScript('bin/send.ts', ['stripe', 'payout.paid', '--cash-out-id', cashOutId], {
        PORT: env.PORT,
        DYNAMODB_ENDPOINT: jestDynamo,
        LEDGER_TABLE: `${env.TABLE_PREFIX}-ledger`,
      });
      expect(event.code).toBe(0);
      await gateway.waitFor(new RegExp(`200 Stripe payout\\.paid evt_\\w+ applied: ledger ${cashOutId}: pending → paid`));
      // A refused cash-out logs a warning: in the human view it is one short line, not JSON.
      const refused = await runScript('bin/send.ts', ['village-cash-out', '--secret', 'not-the-secret'], { PORT: env.PORT });
      expect(refused.code).toBe(1);
      await gateway.waitFor(/401 cash-out refused/);
      const waited = Date.now();
      while (
        !/WARN village-cash-out: Cash-out request refused \(.*statusCode: 401/.test(gateway.output().stdout + gateway.output().stderr) &&
        Date.now() - waited < 5000
      )
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(gateway.output().stdout + gateway.output().stderr).toMatch(
        /\d\d:\d\d:\d\d WARN village-cash-out: Cash-out request refused \(.*statusCode: 401, reason: signature_mismatch\)$/m,
      );
      // Nothing of the JSON log in the human view.
      expect(gateway.output().stdout + gateway.output().stderr).not.toContain('"level"');
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  }, 90_000);

  test("npm start -- --keep keeps DynamoDB Local's data on disk: a cash-out sent before a stop is there after a restart", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'keep-data-'));
    const env = {
      ...(await ports()),
      DYNAMODB_ENDPOINT: undefined,
      DYNAMODB_PORT: String(await closedPort()),
      LOCAL_DATA_DIR: dataDir,
      TABLE_PREFIX: 'kept',
    };
    let cashOutId: string | undefined;
    const first = startScript('bin/start.ts', env, ['--keep']);
    try {
      await first.waitFor(/Try: npm run send/);
      expect(first.output().stdout).toContain(`its data kept in ${dataDir} between runs`);
      const sent = await runScript('bin/send.ts', ['village-cash-out', '--amount', '3.50'], { PORT: env.PORT });
      expect(sent.code).toBe(0);
      cashOutId = /cashOutId: (\S+)/.exec(sent.stdout)![1]!;
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(readdirSync(dataDir).some((name) => name.endsWith('.db'))).toBe(true);

    const second = startScript('bin/start.ts', { ...env, KEEP_DATA: '1' });
    try {
      await second.waitFor(/Try: npm run send/);
      const shown = await runScript('bin/payouts.ts', ['show', cashOutId!], {
        DYNAMODB_ENDPOINT: `http://127.0.0.1:${env.DYNAMODB_PORT}`,
        LEDGER_TABLE: 'kept-ledger',
      });
      expect(shown.stdout).toContain(`Cash-out ${cashOutId}`);
      expect(shown.stdout).toContain('3.50 USD');
    } finally {
      await second.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);

  test('without --keep the banner says the data is in memory and lost on stop', async () => {
    const env = {
      ...(await ports()),
      DYNAMODB_ENDPOINT: undefined,
      DYNAMODB_PORT: String(await closedPort()),
      TABLE_PREFIX: `s${randomBytes(4).toString('hex')}`,
    };
    const gateway = startScript('bin/start.ts', env);
    try {
      await gateway.waitFor(/Try: npm run send/);
      expect(gateway.output().stdout).toContain('(in memory)');
      expect(gateway.output().stdout).toContain('its data is lost when npm start stops; `npm start -- --keep` keeps it');
    } finally {
      await gateway.stop();
    }
  }, 90_000);

  test('LOG_FORMAT=json gives the full JSON log instead of the short lines', async () => {
    const env = {
      ...(await ports()),
      DYNAMODB_ENDPOINT: jestDynamo,
      LOG_FORMAT: 'json',
      TABLE_PREFIX: `s${randomBytes(4).toString('hex')}`,
    };
    const gateway = startScript('bin/start.ts', env);
    try {
      await gateway.waitFor(/Try: npm run send/);
      expect((await runScript('bin/send.ts', ['just-wallet'], { PORT: env.PORT })).code).toBe(0);
      await gateway.waitFor(/"service":"just-wallet"/);
      expect(gateway.output().stdout).not.toMatch(/\d\d:\d\d:\d\d 200 Just Wallet/);
    } finally {
      await gateway.stop();
    }
  }, 90_000);
});

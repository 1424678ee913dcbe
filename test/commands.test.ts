import { describe, expect, test } from '@jest/globals';
import { closedPort, refusal, runScript } from './support/commands.js';

/** What every command shares (bin/cli.ts): exit 2 on a usage error, 1 on a failure, one line, no stack trace. */
const COMMANDS: [string, string, string[]][] = [
  ['npm start', 'bin/start.ts', []],
  ['npm run send', 'bin/send.ts', ['village-cash-out']],
  ['npm run recipients', 'bin/recipients.ts', ['list']],
  ['npm run sources', 'bin/sources.ts', ['list']],
  ['npm run payouts', 'bin/payouts.ts', ['list']],
  ['npm run reconcile', 'bin/reconcile.ts', []],
  ['npm run import', 'bin/import.ts', ['--since', '400d']],
  ['npm run catch-up', 'bin/catch-up.ts', ['--since', '1h']],
];

describe('every command refuses an unknown option with exit 2 and one line', () => {
  test.each(COMMANDS)('%s', async (_name, script, args) => {
    const result = await runScript(script, [...args, '--bogus']);
    expect(refusal(result)).toEqual({ code: 2, firstLine: 'Unknown option --bogus.', stackTrace: false });
  });
});

describe('every command prints its usage for --help or -h and exits 0, doing nothing else', () => {
  const ALL: [string, string][] = [
    ['npm start', 'bin/start.ts'],
    ['npm run send', 'bin/send.ts'],
    ['npm run recipients', 'bin/recipients.ts'],
    ['npm run payouts', 'bin/payouts.ts'],
    ['npm run reconcile', 'bin/reconcile.ts'],
    ['npm run replay', 'bin/replay.ts'],
    ['npm run sources', 'bin/sources.ts'],
    ['npm run catch-up', 'bin/catch-up.ts'],
    ['npm run console', 'bin/console.ts'],
  ];
  test.each(
    ALL.flatMap(([name, script]) => [
      [name, script, '--help'],
      [name, script, '-h'],
    ]),
  )('%s %s', async (_name, script, flag) => {
    const result = await runScript(script, [flag], { DYNAMODB_ENDPOINT: `http://127.0.0.1:${await closedPort()}` });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: /m);
  });
});

describe('every command that reads the local DynamoDB says so when it cannot reach it', () => {
  test.each(COMMANDS.filter(([name]) => ['npm run recipients', 'npm run payouts', 'npm run reconcile', 'npm run import'].includes(name)))(
    '%s: exit 1, "is `npm start` running?"',
    async (_name, script, args) => {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const result = await runScript(script, args, { DYNAMODB_ENDPOINT: endpoint, STRIPE_API_BASE: endpoint });
      expect(refusal(result)).toEqual({
        code: 1,
        firstLine: expect.stringContaining(`Cannot reach DynamoDB at ${endpoint}`),
        stackTrace: false,
      });
      expect(result.stderr.trim().split('\n')[0]).toMatch(/: is `npm start` running\?$/);
    },
  );

  test('a DYNAMODB_PORT that is not a port is a usage error for the commands too', async () => {
    const result = await runScript('bin/recipients.ts', ['list'], { DYNAMODB_ENDPOINT: undefined, DYNAMODB_PORT: '80a' });
    expect(refusal(result)).toEqual({
      code: 2,
      firstLine: 'DYNAMODB_PORT must be a port number from 1 to 65535, not "80a".',
      stackTrace: false,
    });
  });
});

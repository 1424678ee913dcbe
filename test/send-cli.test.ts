import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { closedPort, recordingServer, refusal, runScript } from './support/commands.js';
import { createTestTables } from './support/dynamo.js';

/**
 * `npm run send` against a server that records what reaches it: a mistake on the command line
 * is refused (exit 2, one line, the usage) and nothing is sent; what is sent is what was asked.
 */
let server: Awaited<ReturnType<typeof recordingServer>>;
const villageAnswer = {
  cashOutId: 'co_cli',
  status: 'pending',
  amount: '5',
  currency: 'USD',
  stripe: { object: 'payout', id: 'po_cli123' },
};

beforeAll(async () => {
  server = await recordingServer({ body: villageAnswer, headers: { 'x-idempotent-replayed': 'true' } });
});
afterAll(() => server.close());

const send = (args: string[], env: Record<string, string | undefined> = {}) =>
  runScript('bin/send.ts', args, { PORT: String(server.port), ...env });

describe('npm run send refuses a mistake before sending anything', () => {
  test.each([
    [['village-cash-out', '--amout', '5'], /^Unknown option --amout \(did you mean --amount\?\)\.$/],
    [['village-cash-out', '--amount'], /^--amount needs a value\.$/],
    [['village-cash-out', '--amount', '--email', 'jane@example.com'], /^--amount needs a value/],
    [['village-cash-out', '--amount='], /^--amount needs a value\.$/],
    [['village-cash-out', '--payout', 'po_1'], /^village-cash-out takes no --payout\.$/],
    [['village-cash-out', 'payout.paid'], /^village-cash-out takes no event type/],
    [['villag'], /^Unknown provider "villag" \(did you mean village-cash-out\?\)/],
    [[], /^Which provider\?/],
    [['stripe', 'payout.paied'], /^No stripe sample of type "payout\.paied" \(did you mean payout\.paid\?\); add --unknown-type/],
    [['stripe', 'payout.paid', '--created', 'yesterday'], /^--created must be a time in whole Unix seconds/],
    [['stripe', 'payout.paid', '--account', 'jane'], /^--account must be a Stripe account id/],
    [['just-wallet', 'wallet.frozen'], /^No just-wallet sample of type "wallet\.frozen"/],
    [['just-wallet', 'payout', '--mode', 'sha1'], /^--mode must be secret or hmac/],
    [['just-wallet', 'payout', 'extra'], /^Unexpected argument extra\.$/],
  ])('%j: exit 2, one line and the usage, nothing sent', async (args, message) => {
    const before = server.requests.length;
    const result = await send(args);
    expect(refusal(result)).toEqual({ code: 2, firstLine: expect.stringMatching(message), stackTrace: false });
    expect(result.stderr).toContain('Usage: npm run send -- <provider>');
    expect(result.stdout).toBe('');
    expect(server.requests.length).toBe(before);
  });

  test('a PORT that is not a port is refused, as npm start refuses it', async () => {
    const result = await send(['village-cash-out'], { PORT: 'abc' });
    expect(refusal(result)).toEqual({ code: 2, firstLine: 'PORT must be a port number from 1 to 65535, not "abc".', stackTrace: false });
  });
});

describe('npm run send sends what was asked, and says what the next step needs', () => {
  test('a cash-out goes to the gateway on PORT with the amount given; the answer, the ids, the replay and the next commands are printed', async () => {
    const before = server.requests.length;
    const result = await send(['village-cash-out', '--amount', '5', '--id', 'co_cli']);
    expect(result.code).toBe(0);
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe('/webhooks/village/cash-out');
    expect(JSON.parse(sent[0]!.body)).toMatchObject({ cash_out_id: 'co_cli', amount: '5' });
    expect(result.stdout).toContain(`POST http://127.0.0.1:${server.port}/webhooks/village/cash-out`);
    expect(result.stdout).toContain('cashOutId: co_cli');
    expect(result.stdout).toContain('Stripe payout id: po_cli123');
    expect(result.stdout).toContain('Idempotent replay: the stored answer of an earlier request with the same id; nothing was done again.');
    expect(result.stdout).toContain('npm run send -- stripe payout.paid --cash-out-id co_cli');
  });

  test('a replayed answer is followed by the ledger now: a cash-out since paid is not told to send payout.paid', async () => {
    const tables = await createTestTables();
    await tables.db.send(
      new PutCommand({ TableName: tables.names.ledger, Item: { cashOutId: 'co_cli_paid', status: 'paid', amount: '5', currency: 'USD' } }),
    );
    await tables.db.send(
      new PutCommand({
        TableName: tables.names.ledger,
        Item: { cashOutId: 'co_cli_pending', status: 'pending', amount: '5', currency: 'USD' },
      }),
    );
    const env = { LEDGER_TABLE: tables.names.ledger, DYNAMODB_ENDPOINT: tables.endpoint };
    const paid = await send(['village-cash-out', '--amount', '5', '--id', 'co_cli_paid'], env);
    expect(paid.code).toBe(0);
    expect(paid.stdout).toContain('Now: paid (in the local ledger).');
    expect(paid.stdout).not.toContain('payout.paid');
    expect(paid.stdout).toContain('npm run payouts -- show co_cli_paid   (the ledger says paid now: nothing more to send for it)');
    const pending = await send(['village-cash-out', '--amount', '5', '--id', 'co_cli_pending'], env);
    expect(pending.stdout).toContain('npm run send -- stripe payout.paid --cash-out-id co_cli_pending   (the ledger says pending now)');
    tables.db.destroy();
  });

  test('a cash-out refused before anything was stored (a bad signature: 401) is not sent to `payouts -- show`', async () => {
    const refusing = await recordingServer({
      status: 401,
      body: { error: 'invalid_signature', message: 'The signature does not match; nothing was done.' },
    });
    try {
      const result = await send(['village-cash-out', '--id', 'co_cli_refused'], { PORT: String(refusing.port) });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('401');
      expect(result.stdout).not.toContain('payouts -- show');
    } finally {
      await refusing.close();
    }
  });

  test('a cash-out refused after it was stored (its answer names it) points to `payouts -- show`', async () => {
    const refusing = await recordingServer({
      status: 400,
      body: { error: 'unknown_recipient', message: 'No recipient.', cashOutId: 'co_cli_unknown' },
    });
    try {
      const result = await send(['village-cash-out', '--id', 'co_cli_unknown'], { PORT: String(refusing.port) });
      expect(result.stdout).toContain('npm run payouts -- show co_cli_unknown');
    } finally {
      await refusing.close();
    }
  });

  test('a Just Wallet payout prints the payout id the next command follows', async () => {
    const before = server.requests.length;
    const result = await send(['just-wallet', 'payout', '--url', `${server.url}/webhooks/just-wallet`]);
    expect(result.code).toBe(0);
    const body = JSON.parse(server.requests[before]!.body) as { data: { id: string } };
    expect(result.stdout).toContain(`payout id: ${body.data.id}`);
    expect(result.stdout).toContain(`npm run send -- just-wallet payout --id ${body.data.id} --status completed`);
  });

  test('a type without a sample goes out only with --unknown-type', async () => {
    const before = server.requests.length;
    const result = await send(['just-wallet', 'wallet.frozen', '--unknown-type']);
    expect(result.code).toBe(0);
    expect(JSON.parse(server.requests[before]!.body)).toMatchObject({ 'event.type': 'wallet.frozen' });
  });
});

describe('npm run send fails in one line when nothing answers', () => {
  test('no gateway on PORT: exit 1, "is `npm start` running?"', async () => {
    const result = await send(['village-cash-out'], { PORT: String(await closedPort()) });
    expect(refusal(result)).toEqual({
      code: 1,
      firstLine: expect.stringMatching(
        /^Could not reach http:\/\/127\.0\.0\.1:\d+\/webhooks\/village\/cash-out \(.*ECONNREFUSED.*\): is `npm start` running\?$/,
      ),
      stackTrace: false,
    });
  });

  test('a Stripe event for a cash-out whose ledger cannot be read is not sent with the sample payout', async () => {
    const before = server.requests.length;
    const result = await send(['stripe', 'payout.paid', '--cash-out-id', 'co_cli'], {
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(refusal(result)).toEqual({
      code: 1,
      firstLine: expect.stringMatching(/^Could not read the ledger: Cannot reach DynamoDB at .*: is `npm start` running\?/),
      stackTrace: false,
    });
    expect(server.requests.length).toBe(before);
  });
});

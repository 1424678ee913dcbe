import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { StripeEventStore } from '../functions/stripe-events/event-store.js';
import { findStripeEvent } from '../functions/stripe-events/event-log.js';
import { StripeRecordStore } from '../functions/stripe-events/record-store.js';
import type { LocalEnvironment } from '../dev/environment.js';
import { runScript } from './support/commands.js';
import { startTestGateway } from './support/local-gateway.js';

let local: LocalEnvironment & { itemCounts(): Promise<Record<string, number>> };
let env: NodeJS.ProcessEnv;
let client: DynamoDBDocumentClient;
beforeAll(async () => {
  local = await startTestGateway();
  client = makeDocumentClient({ endpoint: local.dynamoEndpoint });
  // The commands find everything where `npm start` put it: its DynamoDB, tables, stand-in and secrets directory.
  env = { ...process.env, PORT: new URL(local.gateway.url).port, NODE_OPTIONS: '' };
}, 60_000);
afterAll(async () => {
  client.destroy();
  await local.stop();
});

/** `npm run <script> -- <args>`: the same script, as an operator runs it. */
const run = (script: string, ...args: string[]) => runScript(`bin/${script}.ts`, args, env);

const db = () => client;

describe('npm run sources', () => {
  test('adds a source, lists it without its secrets, rotates, disables, enables and removes it', async () => {
    const added = await run(
      'sources',
      'add',
      'cli-merchant',
      '--signing-secret',
      'whsec_cli_first',
      '--api-key',
      'rk_test_cli_reads_events',
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`Stripe endpoint URL: ${local.gateway.url}/webhooks/stripe/cli-merchant`);
    expect(added.stdout).toContain('npm run catch-up -- --source cli-merchant --since 30d');

    const listed = await run('sources', 'list');
    expect(listed.stdout).toMatch(/^cli-merchant\tenabled\tapi key\tcreated /m);
    expect((await run('sources', 'rotate', 'cli-merchant', '--signing-secret', 'whsec_cli_second')).stdout).toContain('--drop-previous');
    const file = JSON.parse(await readFile(path.join(env.STRIPE_SOURCE_SECRETS_DIR!, 'cli-merchant.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(file).toEqual({ current: 'whsec_cli_second', previous: 'whsec_cli_first', apiKey: 'rk_test_cli_reads_events' });

    expect((await run('sources', 'disable', 'cli-merchant')).stdout).toContain('Disabled');
    expect((await run('sources', 'list', '--json')).stdout).toContain('"status": "disabled"');
    expect((await run('sources', 'enable', 'cli-merchant')).code).toBe(0);
    expect((await run('sources', 'remove', 'cli-merchant')).stdout).toContain('Removed source cli-merchant');
    expect(await readdir(env.STRIPE_SOURCE_SECRETS_DIR!)).not.toContain('cli-merchant.json');

    const everything = added.stdout + listed.stdout;
    expect(everything).not.toContain('whsec_');
    expect(everything).not.toContain('rk_test_cli');
  }, 60_000);

  test.each([
    [
      ['add', 'acme', '--signing-secret', 'whsec_x', '--signing-secrte', 'y'],
      /^Unknown option --signing-secrte \(did you mean --signing-secret\?\)\.$/m,
    ],
    [['add', 'acme'], /add needs --signing-secret/],
    [['list', '--signing-secret', 'whsec_x'], /list does not take --signing-secret/],
    [['add', 'Acme_EU', '--signing-secret', 'whsec_x'], /3–64 characters/],
    [['add', 'platform', '--signing-secret', 'whsec_x'], /reserved/],
    [['add', 'acme', '--signing-secret', 'not-a-secret'], /whsec_/],
    [['add', 'acme', '--signing-secret', 'whsec_x', '--api-key', 'sk_live_full_key'], /restricted key/],
    [['rotate', 'acme'], /Nothing to rotate/],
    [['forget', 'acme'], /Unknown command "forget"/],
  ])(
    'refuses %j with exit 2 and the usage, changing nothing',
    async (args, message) => {
      const result = await run('sources', ...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('Usage: npm run sources');
      expect((await run('sources', 'list', '--json')).stdout).not.toContain('"acme"');
    },
    30_000,
  );

  test('rotating a source that does not exist is an error (exit 1)', async () => {
    const result = await run('sources', 'rotate', 'nobody-here', '--signing-secret', 'whsec_x');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No source nobody-here');
  }, 30_000);
});

describe('on a fresh clone: a merchant source, then catch-up', () => {
  test("an event signed with the new source's secret to /webhooks/stripe/acme-eu is recorded under that source", async () => {
    expect((await run('sources', 'add', 'acme-eu', '--signing-secret', 'whsec_acme_eu_local')).code).toBe(0);

    const sent = await run('send', 'stripe', 'payment_intent.succeeded', '--source', 'acme-eu');

    expect(sent.stdout).toContain(`POST ${local.gateway.url}/webhooks/stripe/acme-eu`);
    expect(sent.stdout).toContain('200 OK');
    const eventId = /"eventId": "(evt_\w+)"/.exec(sent.stdout)![1]!;
    const events = new StripeEventStore(db(), process.env.EVENTS_TABLE!).forSource('acme-eu');
    const records = new StripeRecordStore(db(), process.env.RECORDS_TABLE!).forSource('acme-eu');
    // Kept in the record it moved, under the source's own key.
    expect(await findStripeEvent({ events, records }, eventId, [{ id: 'acme-eu/pi_3SampleOrder0001', kind: 'transaction' }])).toMatchObject(
      { sourceId: 'acme-eu', eventKey: `stripe:acme-eu:${eventId}`, appliedAt: expect.any(String) },
    );
    expect(await records.get('pi_3SampleOrder0001', 'transaction')).toMatchObject({ sourceId: 'acme-eu', status: 'capture_succeeded' });
  }, 60_000);

  test('npm run catch-up -- --since 1h applies the events the stand-in holds that were never posted, once', async () => {
    const undelivered = await run('send', 'stripe', 'refund.created', '--object-id', 're_1NeverPosted', '--undelivered');
    expect(undelivered.code).toBe(0);
    expect(undelivered.stdout).toContain('Not delivered');
    expect(undelivered.stdout).not.toContain('POST ');

    const first = await run('catch-up', '--since', '1h');
    const second = await run('catch-up', '--since', '1h');

    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Total: fetched \d+ · already applied \d+ · applied 1 · failed 0/);
    expect(second.stdout).toMatch(/Total: fetched (\d+) · already applied \1 · applied 0 · failed 0/);
    const records = new StripeRecordStore(db(), process.env.RECORDS_TABLE!);
    expect(await records.get('re_1NeverPosted', 'refund')).toMatchObject({ sourceId: 'platform' });
  }, 60_000);

  test('catch-up exits 1 when Stripe fails, says so, and a second run completes', async () => {
    await run('send', 'stripe', 'refund.created', '--object-id', 're_1AfterOutage', '--undelivered');
    local.stripe.standIn!.failNext(
      { kind: 'error', status: 500, type: 'api_error' },
      { method: 'GET', pathPrefix: '/v1/events', times: 10 },
    );

    const failed = await run('catch-up', '--since', '1h', '--source', 'platform');
    local.stripe.standIn!.clearFaults();
    const retried = await run('catch-up', '--since', '1h', '--source', 'platform');

    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('FAILED platform: listing events failed');
    expect(failed.stdout).toContain('Run it again');
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/applied 1 · failed 0/);
  }, 90_000);

  test("states Stripe's 30-day limit when --since asks for more, and refuses what it cannot read", async () => {
    const long = await run('catch-up', '--since', '45d', '--source', 'platform');
    expect(long.stdout).toContain('Stripe keeps events for 30 days: --since 45d asks for more');

    for (const args of [[], ['--since', 'yesterday'], ['--since', '1h', '--sorce', 'acme-eu'], ['--since', '1h', '--source', 'ACME']]) {
      const refused = await run('catch-up', ...args);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('Usage: npm run catch-up');
    }
    const unknown = await run('catch-up', '--since', '1h', '--source', 'nobody-here');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No source nobody-here');
  }, 90_000);
});

describe('npm run payouts -- --source', () => {
  test("a merchant source's payouts are its payout records; cash-outs stay the platform's", async () => {
    expect((await run('send', 'stripe', 'payout.paid', '--source', 'acme-eu', '--object-id', 'po_1AcmeOwnPayout')).code).toBe(0);

    const listed = await run('payouts', 'list', '--source', 'acme-eu');
    const platform = await run('payouts', 'list', '--source', 'platform');
    const show = await run('payouts', 'show', 'co_anything', '--source', 'acme-eu');

    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/\tpo_1AcmeOwnPayout\tpaid\t/);
    expect(platform.stdout).not.toContain('po_1AcmeOwnPayout');
    expect(show.code).toBe(2);
    expect(show.stderr).toContain("Cash-outs are the platform's own");
    expect((await run('payouts', 'list', '--source', 'Not A Source')).code).toBe(2);
  }, 60_000);
});

import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { makeJustWalletHandler } from '../functions/just-wallet/handler.js';
import { justWalletDepsFromEnv } from '../functions/just-wallet/wiring.js';
import { JustWalletRecordStore } from '../functions/just-wallet/records.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { GatewayStack } from '../infra/gateway-stack.js';
import { PROJECT_ROOT } from '../infra/project-root.js';
import { fixtureNames } from '../dev/send/fixtures.js';
import { justWalletSender } from '../dev/send/just-wallet.js';
import { createTestTables, type TestTables } from './support/dynamo.js';
import { apiGatewayEvent, directInvocation } from './support/events.js';
import { JUST_WALLET_PATH } from './support/just-wallet.js';
import { silentLogger } from './support/telemetry.js';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});
afterAll(() => tables.db.destroy());

const env = () => ({
  RECORDS_TABLE: tables.names.records,
  EVENTS_TABLE: tables.names.events,
  DYNAMODB_ENDPOINT: tables.endpoint,
  JUST_WALLET_WEBHOOK_SECRET: 'wired-secret',
});

describe('the Just Wallet function, wired from its environment', () => {
  test('records every sample `npm run send -- just-wallet <type>` sends, signed either way', async () => {
    const handler = makeJustWalletHandler(justWalletDepsFromEnv(env(), { logger: silentLogger() }));
    for (const type of fixtureNames('just-wallet')) {
      for (const mode of ['secret', 'hmac']) {
        const request = await justWalletSender.build({ type, secret: 'wired-secret', options: { mode } });
        const response = await handler(apiGatewayEvent(JUST_WALLET_PATH, request.body, request.headers), directInvocation);
        expect({ type, mode, statusCode: response.statusCode }).toEqual({ type, mode, statusCode: 200 });
      }
    }
  });

  test('a sample payout followed by --id and --status moves that payout', async () => {
    const handler = makeJustWalletHandler(justWalletDepsFromEnv(env(), { logger: silentLogger() }));
    const first = await justWalletSender.build({ type: 'payout', secret: 'wired-secret', options: {} });
    const id = String((JSON.parse(first.body) as { data: { id: string } }).data.id);
    await handler(apiGatewayEvent(JUST_WALLET_PATH, first.body, first.headers), directInvocation);
    const next = await justWalletSender.build({
      type: 'payout',
      secret: 'wired-secret',
      options: { id, status: 'completed', mode: 'hmac' },
    });
    await handler(apiGatewayEvent(JUST_WALLET_PATH, next.body, next.headers), directInvocation);

    const record = await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: { id, kind: 'just_wallet_payout' } }));
    expect(record.Item).toMatchObject({ status: 'completed' });
  });

  test('verifies in auto mode, and keeps events 30 days, unless told otherwise', () => {
    const deps = justWalletDepsFromEnv(env(), { logger: silentLogger() });
    expect(deps).toMatchObject({ signatureMode: 'auto', eventRetentionSeconds: 30 * 86_400, records: expect.any(JustWalletRecordStore) });
    expect(
      justWalletDepsFromEnv(
        { ...env(), JUST_WALLET_SIGNATURE_MODE: 'hmac', JUST_WALLET_EVENT_RETENTION_DAYS: '7' },
        { logger: silentLogger() },
      ),
    ).toMatchObject({ signatureMode: 'hmac', eventRetentionSeconds: 7 * 86_400 });
  });

  test.each([
    ['RECORDS_TABLE', { RECORDS_TABLE: undefined }],
    ['EVENTS_TABLE', { EVENTS_TABLE: undefined }],
    ['JUST_WALLET_SIGNATURE_MODE', { JUST_WALLET_SIGNATURE_MODE: 'header' }],
    ['JUST_WALLET_WEBHOOK_SECRET', { JUST_WALLET_WEBHOOK_SECRET: undefined }],
  ])('refuses to start without a valid %s, naming it', (name, change) => {
    expect(() => justWalletDepsFromEnv({ ...env(), ...change }, { logger: silentLogger() })).toThrow(name);
  });

  test('bundles without the Stripe SDK: its only network peer is DynamoDB (and Secrets Manager at cold start)', async () => {
    const inputs = async (entry: string) => {
      const result = await build({
        entryPoints: [path.join(PROJECT_ROOT, entry)],
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'esm',
        target: 'node24',
        external: ['@aws-sdk/*'],
        logLevel: 'silent',
      });
      return Object.keys(result.metafile.inputs);
    };
    const justWallet = await inputs('functions/just-wallet/index.ts');
    expect(justWallet.some((file) => file.includes('functions/just-wallet/handler.ts'))).toBe(true);
    expect(justWallet.filter((file) => /node_modules\/(stripe|axios|node-fetch|undici)\//.test(file))).toEqual([]);
    // The check can see Stripe where it is: the cash-out function does bundle it.
    expect((await inputs('functions/village-cash-out/index.ts')).some((file) => file.includes('node_modules/stripe/'))).toBe(true);
  });
});

describe('the deployed stack', () => {
  let template: Template;
  beforeAll(() => {
    // Bundling is skipped here (the bundle is checked above); the template is otherwise the real one.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    template = Template.fromStack(new GatewayStack(app, 'JustWalletTest'));
  }, 120_000);

  test('routes POST /webhooks/just-wallet to its own function, with only its secret and the events and records tables', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/just-wallet' });
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const [fnId, fn] = Object.entries(resources).find(
      ([, r]) =>
        r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.Environment).includes('"POWERTOOLS_SERVICE_NAME":"just-wallet"'),
    )!;
    const variables = Object.keys((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables);
    expect(variables).toEqual(expect.arrayContaining(['EVENTS_TABLE', 'RECORDS_TABLE', 'JUST_WALLET_WEBHOOK_SECRET_ARN']));
    expect(variables).not.toEqual(expect.arrayContaining(['LEDGER_TABLE', 'STRIPE_SECRET_KEY_ARN']));
    expect(fn.Properties).toMatchObject({ Timeout: 10, MemorySize: 512, Runtime: 'nodejs24.x' });

    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const policy = JSON.stringify(
      Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId)),
    );
    const secrets = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret')
      .map(([id]) => id);
    expect(secrets.filter((id) => policy.includes(`"Ref":"${id}"`))).toEqual([expect.stringMatching(/^JustWalletWebhookSecret/)]);
    expect(fnId).toMatch(/^JustWallet/);
  });

  test('generates the Just Wallet webhook secret for the operator to paste into the dashboard', () => {
    const secret = Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>).find(
      (r) => r.Type === 'AWS::SecretsManager::Secret' && String(r.Properties.Description).startsWith('Just Wallet'),
    );
    expect(secret?.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true });
    expect(template.toJSON().Outputs).toHaveProperty('JustWalletUrl');
    expect(template.toJSON().Outputs).toHaveProperty('JustWalletWebhookSecretName');
  });
});

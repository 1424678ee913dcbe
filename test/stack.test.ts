import { beforeAll, describe, expect, test } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { GatewayStack } from '../infra/gateway-stack.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  // Bundling is skipped here (it is exercised by `cdk synth`); the template is otherwise the real one.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new GatewayStack(app, 'TestGateway', { payoutMode: 'payout' });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
});

const logicalId = (type: string, predicate: (r: Resource) => boolean): string => {
  const found = Object.entries(resources).find(([, r]) => r.Type === type && predicate(r));
  if (!found) throw new Error(`No ${type} found`);
  return found[0];
};
const tableId = (partitionKey: string) =>
  logicalId('AWS::DynamoDB::GlobalTable', (r) =>
    JSON.stringify(r.Properties.KeySchema).includes(`"AttributeName":"${partitionKey}","KeyType":"HASH"`),
  );
const villageFunctionId = () =>
  logicalId('AWS::Lambda::Function', (r) =>
    JSON.stringify(r.Properties.Environment ?? {}).includes('"POWERTOOLS_SERVICE_NAME":"village-cash-out"'),
  );
const policyOf = (functionId: string) => {
  const roleId = (resources[functionId]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
};

describe('the deployed stack', () => {
  test('exposes POST /webhooks/village/cash-out on an HTTP API, backed by its own Lambda', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/village/cash-out' });
  });

  test('runs the cash-out Lambda on Node.js 24, arm64, with a timeout above the 8 s deadline and source maps on', () => {
    const fn = resources[villageFunctionId()]!.Properties;
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Timeout).toBeGreaterThan(8);
    expect(JSON.stringify(fn.Environment)).toContain('"NODE_OPTIONS":"--enable-source-maps"');
    expect(JSON.stringify(fn.Environment)).toContain('"STRIPE_PAYOUT_MODE":"payout"');
    expect(JSON.stringify(fn.Environment)).toContain('"VILLAGE_DEADLINE_MS":"8000"');
  });

  test('passes the Just Wallet signature mode chosen at deploy time (default auto)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const pinned = Template.fromStack(new GatewayStack(app, 'PinnedGateway', { justWalletSignatureMode: 'hmac' }));
    const wallet = Object.values(pinned.toJSON().Resources as Record<string, Resource>).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(r.Properties.Environment ?? {}).includes('"POWERTOOLS_SERVICE_NAME":"just-wallet"'),
    );
    expect(JSON.stringify(wallet?.Properties.Environment)).toContain('"JUST_WALLET_SIGNATURE_MODE":"hmac"');
    expect(JSON.stringify(resources[villageFunctionId()]!.Properties.Environment)).toContain('"JUST_WALLET_SIGNATURE_MODE":"auto"');
  });

  test('gives every function a log group with explicit retention', () => {
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const logGroupRef = JSON.stringify((fn.Properties.LoggingConfig as Record<string, unknown>)?.LogGroup);
      const logGroup = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Logs::LogGroup' && logGroupRef.includes(id));
      expect(logGroup?.[1].Properties.RetentionInDays).toEqual(expect.any(Number));
    }
  });

  test('keeps money records in on-demand, encrypted tables with point-in-time recovery, deletion protection, retained on stack deletion', () => {
    for (const key of ['cashOutId', 'email']) {
      const table = resources[tableId(key)]!;
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true });
      expect(JSON.stringify(table.Properties.Replicas)).toContain('"PointInTimeRecoveryEnabled":true');
      expect(JSON.stringify(table.Properties.Replicas)).toContain('"DeletionProtectionEnabled":true');
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });

  test('expires idempotency (event) records with TTL', () => {
    const events = resources[tableId('eventKey')]!;
    expect(events.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(JSON.stringify(events.Properties.Replicas)).toContain('"PointInTimeRecoveryEnabled":true');
  });

  test('indexes the ledger by Stripe object id and by status, for events and reconciliation', () => {
    const ledger = JSON.stringify(resources[tableId('cashOutId')]!.Properties.GlobalSecondaryIndexes);
    expect(ledger).toContain('byStripeObjectId');
    expect(ledger).toContain('byStatusShard');
  });

  test('generates the Village webhook secret with high entropy, and leaves the Stripe key for the operator', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
      Description: Match.stringLikeRegexp('Village'),
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('Stripe secret'),
      SecretString: 'NOT_SET',
    });
  });

  test('grants the cash-out function only what it needs: its two secrets, the ledger and the recipients', () => {
    const fnId = villageFunctionId();
    const statements = policyOf(fnId);
    const text = JSON.stringify(statements);
    const secretIds = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret')
      .map(([id]) => id);
    const readable = secretIds.filter((id) => text.includes(`"Ref":"${id}"`));
    expect(readable).toHaveLength(2);
    expect(readable.every((id) => /VillageWebhookSecret|StripeSecretKey/.test(id))).toBe(true);
    expect(text).toContain(tableId('cashOutId'));
    expect(text).toContain(tableId('email'));
    expect(text).not.toContain(tableId('eventKey'));
    const actionsOn = (id: string) => statements.filter((s) => JSON.stringify(s.Resource).includes(id)).flatMap((s) => [s.Action].flat());
    expect(actionsOn(tableId('email')).sort()).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(tableId('cashOutId'))).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(actionsOn(tableId('cashOutId'))).not.toEqual(expect.arrayContaining(['dynamodb:DeleteItem']));
    expect(actionsOn(tableId('cashOutId'))).not.toEqual(expect.arrayContaining(['dynamodb:Scan']));
    // Only X-Ray's trace calls, which take no resource, may name "*".
    const wildcard = statements.filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect(wildcard.flatMap((s) => [s.Action].flat()).every((action) => String(action).startsWith('xray:'))).toBe(true);
  });

  test('outputs the webhook URL, table names and secret names for the operator', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.VillageCashOutUrl?.Value)).toContain('/webhooks/village/cash-out');
    for (const name of ['LedgerTableName', 'RecipientsTableName', 'EventsTableName', 'VillageWebhookSecretName', 'StripeSecretKeyName']) {
      expect(outputs[name]).toBeDefined();
    }
  });

  test("outputs the gateway's Stripe mode, the one its functions are given (STRIPE_MODE), for the console and npm run replay", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.StripeMode?.Value).toBe('live');
    expect(JSON.stringify(resources[villageFunctionId()]!.Properties.Environment)).toContain('"STRIPE_MODE":"live"');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], stripeMode: 'test' } });
    const testMode = Template.fromStack(new GatewayStack(app, 'TestModeGateway')).toJSON() as {
      Outputs: Record<string, { Value: unknown }>;
      Resources: Record<string, Resource>;
    };
    expect(testMode.Outputs.StripeMode?.Value).toBe('test');
    const fns = Object.values(testMode.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.Environment ?? {}).includes('STRIPE_MODE'),
    );
    expect(fns.length).toBeGreaterThan(0);
    for (const fn of fns) expect(JSON.stringify(fn.Properties.Environment)).toContain('"STRIPE_MODE":"test"');
  });
});

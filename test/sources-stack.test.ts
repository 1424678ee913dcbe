import { beforeAll, describe, expect, test } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CATCH_UP_TABLE_ACCESS } from '../infra/catch-up.js';
import { GatewayStack } from '../infra/gateway-stack.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function synth(context: Record<string, unknown> = {}) {
  // Bundling is skipped, as in the other stack tests; `cdk synth` bundles.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new GatewayStack(app, 'SourcesGateway');
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

let stack: GatewayStack;
let template: Template;
let resources: Record<string, Resource>;
beforeAll(() => {
  ({ stack, template, resources } = synth());
});

const functionId = (service: string) =>
  Object.entries(resources).find(
    ([, r]) =>
      r.Type === 'AWS::Lambda::Function' &&
      JSON.stringify(r.Properties.Environment ?? {}).includes(`"POWERTOOLS_SERVICE_NAME":"${service}"`),
  )![0];
const environment = (fnId: string) => (resources[fnId]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const statementsOf = (fnId: string): Statement[] => {
  const roleId = (resources[fnId]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
};
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const SOURCE_SECRETS_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':secret:SourcesGateway/stripe-sources/*',
    ],
  ],
};

describe('merchant sources in the stack', () => {
  test('POST /webhooks/stripe/{sourceId} is a route beside POST /webhooks/stripe, to the same Stripe events function', () => {
    const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    const platform = routes.find((r) => r.Properties.RouteKey === 'POST /webhooks/stripe')!;
    const sources = routes.find((r) => r.Properties.RouteKey === 'POST /webhooks/stripe/{sourceId}')!;
    expect(sources).toBeDefined();
    expect(sources.Properties.Target).toEqual(platform.Properties.Target);
    expect(
      Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::ApiGatewayV2::Integration' && JSON.stringify(r.Properties.IntegrationUri).includes(functionId('stripe-events')),
      ),
    ).toHaveLength(1);
  });

  test("the Stripe events function reads the sources table and the secrets under the sources' prefix, and nothing else of Secrets Manager by wildcard", () => {
    const fnId = functionId('stripe-events');
    expect(environment(fnId)).toMatchObject({
      STRIPE_SOURCE_SECRET_PREFIX: 'SourcesGateway/stripe-sources/',
      SOURCES_TABLE: { Ref: logicalId(stack.tables.get('sources')!) },
    });
    const prefixGrants = statementsOf(fnId).filter((s) => JSON.stringify(s.Resource).includes('stripe-sources'));
    expect(prefixGrants).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SOURCE_SECRETS_ARN }]);
    const sourcesTable = logicalId(stack.tables.get('sources')!);
    const onSources = statementsOf(fnId)
      .filter((s) => JSON.stringify(s.Resource).includes(`"${sourcesTable}"`))
      .flatMap((s) => [s.Action].flat());
    expect(onSources.filter((action) => /Put|Update|Delete/.test(action))).toEqual([]);
  });

  test('the sources table is keyed by provider and sourceId, so sources are listed with a Query', () => {
    const table = resources[logicalId(stack.tables.get('sources')!)]!;
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: 'provider', KeyType: 'HASH' },
      { AttributeName: 'sourceId', KeyType: 'RANGE' },
    ]);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.SourcesTableName).toBeDefined();
    expect(outputs.StripeSourceSecretPrefix?.Value).toBe('SourcesGateway/stripe-sources/');
  });
});

describe('the scheduled catch-up', () => {
  test("is given the usage table, so an event it applies gives back a cash-out's limits as the webhook does", () => {
    expect(environment(functionId('catch-up'))).toMatchObject({ USAGE_TABLE: { Ref: logicalId(stack.tables.get('usage')!) } });
  });

  test('runs every 6 hours over the last 72 by default, without EventBridge retries', () => {
    const fnId = functionId('catch-up');
    expect(environment(fnId)).toMatchObject({ CATCH_UP_WINDOW_HOURS: '72', STRIPE_SOURCE_SECRET_PREFIX: 'SourcesGateway/stripe-sources/' });
    const rule = Object.values(resources).find(
      (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties.Targets).includes(fnId),
    )!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(6 hours)');
    expect(JSON.stringify(rule.Properties.Targets)).toContain('"MaximumRetryAttempts":0');
    expect(resources[fnId]!.Properties.Timeout).toBe(900);
    expect((template.toJSON().Outputs as Record<string, unknown>).CatchUpFunctionName).toBeDefined();
  });

  test('takes its rate and window from -c catchUpRateHours / catchUpWindowHours, refusing what makes no sense', () => {
    const tuned = synth({ catchUpRateHours: '2', catchUpWindowHours: '24' });
    const rule = Object.values(tuned.resources).find(
      (r) => r.Type === 'AWS::Events::Rule' && String(r.Properties.Description).startsWith('Catches up'),
    )!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(2 hours)');
    expect(() => synth({ catchUpRateHours: 'often' })).toThrow(/catchUpRateHours/);
    expect(() => synth({ catchUpRateHours: '0' })).toThrow(/catchUpRateHours/);
    expect(() => synth({ catchUpRateHours: '12', catchUpWindowHours: '6' })).toThrow(/catchUpWindowHours/);
    expect(() => synth({ catchUpWindowHours: '1000' })).toThrow(/30 days/);
  });

  test("holds exactly the table calls it makes, each query on its own index, reads the Stripe key and the sources' secrets, and no other secret", () => {
    const fnId = functionId('catch-up');
    const statements = statementsOf(fnId);
    const granted = (resource: unknown) =>
      statements.filter((s) => JSON.stringify([s.Resource].flat()).includes(JSON.stringify(resource))).flatMap((s) => [s.Action].flat());
    for (const [tableId, access] of Object.entries(CATCH_UP_TABLE_ACCESS)) {
      const arn = { 'Fn::GetAtt': [logicalId(stack.tables.get(tableId as never)!), 'Arn'] };
      const onTable = statements
        .filter((s) => [s.Resource].flat().some((r) => JSON.stringify(r) === JSON.stringify(arn)))
        .flatMap((s) => [s.Action].flat());
      expect(onTable.sort()).toEqual(
        [...access.items, ...(access.queries?.includes('table') ? ['Query'] : [])].map((a) => `dynamodb:${a}`).sort(),
      );
      for (const index of (access.queries ?? []).filter((q) => q !== 'table')) {
        expect(granted({ 'Fn::Join': ['', [arn, `/index/${index}`]] })).toEqual(['dynamodb:Query']);
      }
    }
    expect(JSON.stringify(statements)).not.toContain('/index/*');
    const secrets = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret')
      .map(([id]) => id);
    expect(secrets.filter((id) => JSON.stringify(statements).includes(`{"Ref":"${id}"}`))).toEqual([
      logicalId(stack.secrets.get('stripeSecretKey')!),
    ]);
    expect(
      statements
        .filter((s) => JSON.stringify(s.Resource).includes(logicalId(stack.secrets.get('stripeSecretKey')!)))
        .flatMap((s) => [s.Action].flat()),
    ).toEqual(['secretsmanager:GetSecretValue']);
    expect(statements.filter((s) => JSON.stringify(s.Resource).includes('stripe-sources'))).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SOURCE_SECRETS_ARN },
    ]);
    expect(
      statements
        .flatMap((s) => [s.Action].flat())
        .filter((action) => /Scan|DeleteItem|BatchWrite|\*/.test(action) && !action.startsWith('xray:')),
    ).toEqual([]);
  });

  test('a failed catch-up raises an alarm, and the source route has a 5xx rate alarm of its own', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(
      alarms.some(
        (a) =>
          JSON.stringify(a.Properties.Metrics ?? []).includes('"MetricName":"CatchUpFailed"') &&
          JSON.stringify(a.Properties.Metrics).includes('"Value":"catch-up"'),
      ),
    ).toBe(true);
    expect(alarms.some((a) => JSON.stringify(a.Properties.Metrics ?? []).includes('"Value":"POST /webhooks/stripe/{sourceId}"'))).toBe(
      true,
    );
  });
});

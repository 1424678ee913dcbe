import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ACCESS_LOG_FORMAT, DEFAULT_API_LIMITS } from '../infra/api-hardening.js';
import { GatewayStack } from '../infra/gateway-stack.js';
import { ALARMED_METRICS, CASH_OUT_STATUSES, METRIC_NAMESPACE, cashOutMetric } from '../infra/metric-names.js';
import { ALARM_EMAIL_PARAMETER } from '../infra/monitoring.js';
import { PROJECT_ROOT } from '../infra/project-root.js';
import { ROUTES, type RouteDefinition } from '../infra/routes.js';
import { TABLES } from '../infra/tables.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; Condition?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** The stack as deployed, synthesised without bundling (bundling is exercised by `cdk synth`). */
function synth(context: Record<string, unknown> = {}, extend?: (stack: GatewayStack) => void) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new GatewayStack(app, 'HardenedGateway', { payoutMode: 'payout' });
  extend?.(stack);
  const template = Template.fromStack(stack); // runs the aspects: function monitoring and nag acknowledgements
  return { app, stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

/** The stack with one more Lambda function (inline code, this runtime) added after everything else. */
const synthWithFunction = (id: string, runtime: Runtime) =>
  synth(
    {},
    (s) => new LambdaFunction(s, id, { runtime, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => {}') }),
  );

function nagFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`));
}

let stack: GatewayStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  ({ stack, template, resources } = synth());
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnSecret);
const topicRef = () => ({ Ref: ofType('AWS::SNS::Topic')[0]![0] });

function functionIdOf(route: RouteDefinition): string {
  const found = ofType('AWS::Lambda::Function').find(([, r]) =>
    JSON.stringify(r.Properties.Environment ?? {}).includes(`"POWERTOOLS_SERVICE_NAME":"${route.id}"`),
  );
  if (!found) throw new Error(`No function for route ${route.id}`);
  return found[0];
}

function roleStatements(functionId: string): Statement[] {
  const roleId = (resources[functionId]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
  return ofType('AWS::IAM::Policy')
    .filter(([, r]) => JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function alarmsOn(metricName: string): Resource[] {
  return ofType('AWS::CloudWatch::Alarm')
    .map(([, r]) => r)
    .filter(
      (r) => r.Properties.MetricName === metricName || JSON.stringify(r.Properties.Metrics ?? []).includes(`"MetricName":"${metricName}"`),
    );
}

describe('cdk-nag (AwsSolutions pack)', () => {
  test('finds nothing unacknowledged in the stack: no error, no warning', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  test('every acknowledged finding names an AwsSolutions rule and carries its reason', () => {
    const acknowledgements = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledgements) {
      expect(rule).toMatch(/AwsSolutions-(APIG4|SMG4|IAM4|IAM5)\b/);
      expect(reason.length).toBeGreaterThan(60);
    }
  });

  test('a function on an older Node.js runtime than the newest is reported (the runtime finding is not acknowledged)', () => {
    const older = synthWithFunction('OlderRuntimeJob', Runtime.NODEJS_22_X);
    expect(nagFindings(older.stack)).toEqual(expect.arrayContaining([expect.stringMatching(/AwsSolutions-L1 at .*OlderRuntimeJob/)]));
  });

  test("a wildcard grant that is not X-Ray's is still reported, so acknowledgements do not hide new findings", () => {
    const widened = synth({}, (s) =>
      s.functions.get('village-cash-out')!.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] })),
    );
    expect(nagFindings(widened.stack)).toEqual([
      expect.stringMatching(/^error AwsSolutions-IAM5\[Resource::\*\] at .*VillageCashOutFunction/),
    ]);
  });
});

describe('least privilege, route by route', () => {
  // Every action on every table, index and secret, per function: test/stack-permissions.test.ts.
  test.each(ROUTES.map((route) => [route.id, route] as const))(
    '%s names "*" only for X-Ray, and holds no other managed policy than basic logging',
    (_, route) => {
      const fnId = functionIdOf(route);
      const wildcard = roleStatements(fnId).filter((s) => JSON.stringify(s.Resource) === '"*"');
      expect(wildcard.flatMap((s) => [s.Action].flat()).every((action) => action.startsWith('xray:'))).toBe(true);
      const roleId = (resources[fnId]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
      const managed = JSON.stringify(resources[roleId]!.Properties.ManagedPolicyArns);
      expect(managed.match(/policy\/[\w/-]+/g)).toEqual(['policy/service-role/AWSLambdaBasicExecutionRole']);
    },
  );
});

describe('the API stage', () => {
  const stageOf = (r: Record<string, Resource>) => Object.values(r).find((x) => x.Type === 'AWS::ApiGatewayV2::Stage')!.Properties;

  test('throttles every route by default, and publishes per-route metrics', () => {
    expect(stageOf(resources).DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: DEFAULT_API_LIMITS.rateLimit,
      ThrottlingBurstLimit: DEFAULT_API_LIMITS.burstLimit,
      DetailedMetricsEnabled: true,
    });
  });

  test('takes its throttling limits from the apiRateLimit and apiBurstLimit context, as the CLI passes them', () => {
    const tuned = synth({ apiRateLimit: '200', apiBurstLimit: '400' });
    expect(stageOf(tuned.resources).DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
  });

  test('refuses throttling limits that are not whole positive numbers, naming the setting', () => {
    expect(() => synth({ apiRateLimit: 'fast' })).toThrow(/apiRateLimit/);
    expect(() => synth({ apiRateLimit: '100', apiBurstLimit: '10' })).toThrow(/apiBurstLimit/);
  });

  test('writes one JSON access log line per request to a log group with explicit retention, without headers or bodies', () => {
    const settings = stageOf(resources).AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': string[] }; Format: string };
    const logGroup = resources[settings.DestinationArn['Fn::GetAtt'][0]!]!;
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toEqual(expect.any(Number));
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toEqual(ACCESS_LOG_FORMAT);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
    expect(settings.Format).not.toMatch(/header|body|authorizer/i);
  });
});

describe('alarms', () => {
  test('every alarm notifies the alarm topic when it fires and when it clears', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef()]);
      expect(alarm.Properties.OKActions).toEqual([topicRef()]);
      expect(alarm.Properties.AlarmDescription).toEqual(expect.any(String));
    }
  });

  test('a 5xx rate above 5% raises an alarm for the whole API and for each route', () => {
    const rateAlarms = alarmsOn('5xx');
    for (const route of ROUTES) {
      const alarm = rateAlarms.find((a) => JSON.stringify(a.Properties.Metrics).includes(`"Value":"${route.method} ${route.path}"`));
      expect(alarm?.Properties).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(JSON.stringify(alarm!.Properties.Metrics)).toContain('100 * errors / requests');
    }
    expect(rateAlarms.some((a) => !JSON.stringify(a.Properties.Metrics).includes('"Route"'))).toBe(true);
  });

  test('every Lambda function has an errors alarm and a throttles alarm', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(ROUTES.length);
    for (const [fnId] of functions) {
      for (const metricName of ['Errors', 'Throttles']) {
        const alarm = alarmsOn(metricName).find(
          (a) => JSON.stringify(a.Properties.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fnId } }]),
        );
        expect(alarm?.Properties).toMatchObject({
          Namespace: 'AWS/Lambda',
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
      }
    }
  });

  test('a function added to the stack after the monitoring (such as a reconciliation job) is watched too', () => {
    const late = synthWithFunction('LateReconcileJob', Runtime.NODEJS_24_X);
    const fnId = Object.entries(late.resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('LateReconcileJob'),
    )![0];
    const errorAlarms = Object.values(late.resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'Errors',
    );
    expect(errorAlarms.some((a) => JSON.stringify(a.Properties.Dimensions).includes(`{"Ref":"${fnId}"}`))).toBe(true);
  });

  test.each(Object.entries(ALARMED_METRICS))('%s: one occurrence in five minutes raises an alarm', (_, metric) => {
    const [alarm, ...others] = alarmsOn(metric.metricName);
    expect(others).toEqual([]);
    const stat = (alarm!.Properties.Metrics as { MetricStat: { Metric: Record<string, unknown>; Period: number; Stat: string } }[])[0]!
      .MetricStat;
    expect(stat).toEqual({
      Metric: { Namespace: METRIC_NAMESPACE, MetricName: metric.metricName, Dimensions: [{ Name: 'service', Value: metric.service }] },
      Period: 300,
      Stat: 'Sum',
    });
    expect(alarm!.Properties).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('payouts in unknown are alarmed on the very metric the cash-out route emits', () => {
    expect(ALARMED_METRICS.cashOutUnknown).toEqual({ service: 'village-cash-out', metricName: 'CashOut_unknown' });
  });

  test('each alarmed metric is emitted by a function under the service name the alarm watches', () => {
    const sources = readSources(path.join(PROJECT_ROOT, 'functions'));
    const emitsUnder = (service: string) => sources.filter((source) => source.includes(`makeMetrics('${service}')`));
    for (const metric of Object.values(ALARMED_METRICS)) {
      expect(emitsUnder(metric.service)).toHaveLength(1);
      const literal = metric.metricName.startsWith('CashOut_') ? 'CashOut_${outcome}' : `'${metric.metricName}'`;
      expect(sources.some((source) => source.includes(literal))).toBe(true);
    }
    const lambdaNamespaces = ofType('AWS::Lambda::Function').map(
      ([, r]) => (r.Properties.Environment as { Variables: Record<string, string> }).Variables.POWERTOOLS_METRICS_NAMESPACE,
    );
    expect(new Set(lambdaNamespaces)).toEqual(new Set([METRIC_NAMESPACE]));
  });
});

describe('the alarm topic', () => {
  test('is encrypted with its own rotating KMS key, which CloudWatch may use to publish', () => {
    const topic = ofType('AWS::SNS::Topic')[0]![1];
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    expect(resources[keyId]!.Properties.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(resources[keyId]!.Properties.KeyPolicy)).toContain('"Service":"cloudwatch.amazonaws.com"');
  });

  test("refuses publishing over plain HTTP, and lets only this account's CloudWatch alarms publish", () => {
    const policy = JSON.stringify(ofType('AWS::SNS::TopicPolicy')[0]![1].Properties.PolicyDocument);
    expect(policy).toContain('"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny"');
    expect(policy).toContain('"aws:SourceAccount":{"Ref":"AWS::AccountId"}');
  });

  test('emails the address given in the AlarmEmail stack parameter, and subscribes no one when it is empty', () => {
    const parameters = template.toJSON().Parameters as Record<string, { Type: string; Default?: string; AllowedPattern: string }>;
    expect(parameters[ALARM_EMAIL_PARAMETER]).toMatchObject({ Type: 'String', Default: '' });
    const pattern = new RegExp(parameters[ALARM_EMAIL_PARAMETER]!.AllowedPattern);
    expect(['ops@example.com', ''].every((value) => pattern.test(value))).toBe(true);
    expect(pattern.test('not an email')).toBe(false);
    const [subscription, ...others] = ofType('AWS::SNS::Subscription').map(([, r]) => r);
    expect(others).toEqual([]);
    expect(subscription!.Properties).toEqual({ Protocol: 'email', Endpoint: { Ref: ALARM_EMAIL_PARAMETER }, TopicArn: topicRef() });
    const conditions = template.toJSON().Conditions as Record<string, unknown>;
    expect(conditions[subscription!.Condition!]).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: ALARM_EMAIL_PARAMETER }, ''] }] });
  });
});

describe('the operations dashboard', () => {
  type Widget = { properties: { title?: string; metrics?: (string | Record<string, string>)[][] } };

  /** The dashboard body as JSON, each CloudFormation reference written as "Ref:<logical id>". */
  function dashboardWidgets(): Widget[] {
    const dashboards = ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const [, parts] = (dashboards[0]![1].Properties.DashboardBody as { 'Fn::Join': [string, (string | { Ref: string })[]] })['Fn::Join'];
    return (JSON.parse(parts.map((part) => (typeof part === 'string' ? part : `Ref:${part.Ref}`)).join('')) as { widgets: Widget[] })
      .widgets;
  }
  const graph = (widgets: Widget[], title: string) => {
    const widget = widgets.find((w) => w.properties.title === title);
    if (!widget) throw new Error(`No widget titled ${title}`);
    return (widget.properties.metrics ?? []).map((line) => line.filter((part) => typeof part === 'string').join(' '));
  };

  test("shows each route's traffic, rejections and latency from its own API Gateway metrics", () => {
    const widgets = dashboardWidgets();
    for (const route of ROUTES) {
      const ofRoute = (metricName: string) =>
        expect.stringMatching(
          new RegExp(`^AWS/ApiGateway ${metricName} ApiId Ref:\\S+ Route ${route.method} ${route.path} Stage \\$default$`),
        );
      expect(graph(widgets, `${route.path}: traffic`)).toEqual([ofRoute('Count')]);
      expect(graph(widgets, `${route.path}: rejections`)).toEqual([ofRoute('4xx'), ofRoute('5xx')]);
      expect(graph(widgets, `${route.path}: latency (ms)`)).toEqual(expect.arrayContaining([ofRoute('Latency')]));
    }
  });

  test('shows the cash-outs by status, and the payouts needing attention', () => {
    const widgets = dashboardWidgets();
    expect(graph(widgets, 'Cash-outs by status')).toEqual(
      CASH_OUT_STATUSES.map((status) => `${METRIC_NAMESPACE} ${cashOutMetric(status)} service village-cash-out`),
    );
    expect(graph(widgets, 'Payouts needing attention')).toEqual(
      Object.values(ALARMED_METRICS).map((m) => `${METRIC_NAMESPACE} ${m.metricName} service ${m.service}`),
    );
  });

  test("shows each function's invocations, errors and throttles", () => {
    const widgets = dashboardWidgets();
    for (const [fnId] of ofType('AWS::Lambda::Function')) {
      const widget = widgets.find(
        (w) => w.properties.title?.endsWith('invocations, errors, throttles') && JSON.stringify(w).includes(`Ref:${fnId}`),
      );
      expect(widget?.properties.metrics?.map((line) => line[1])).toEqual(['Invocations', 'Errors', 'Throttles']);
    }
  });
});

describe('tables holding money records', () => {
  test.each(TABLES.filter((t) => t.moneyRecords).map((t) => [t.id, t] as const))(
    '%s has point-in-time recovery and deletion protection, and outlives the stack',
    (id) => {
      const table = resources[logicalIdOf(stack.tables.get(id)!)]!;
      expect(JSON.stringify(table.Properties.Replicas)).toContain('"PointInTimeRecoveryEnabled":true');
      expect(JSON.stringify(table.Properties.Replicas)).toContain('"DeletionProtectionEnabled":true');
      expect(table.DeletionPolicy).toBe('Retain');
    },
  );
});

function readSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return readSources(full);
    return entry.name.endsWith('.ts') ? [readFileSync(full, 'utf8')] : [];
  });
}

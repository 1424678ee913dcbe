import { ArnFormat, Aspects, CfnCondition, CfnParameter, Duration, Fn, Stack, type IAspect } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSubscription, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';
import { ALARMED_METRICS, CASH_OUT_STATUSES, METRIC_NAMESPACE, SERVICES, cashOutMetric, type AppMetric } from './metric-names.js';
import { routePaths, type RouteDefinition } from './routes.js';

const FIVE_MINUTES = Duration.minutes(5);

/** The stack parameter naming who is emailed when an alarm fires (empty: no subscription). */
export const ALARM_EMAIL_PARAMETER = 'AlarmEmail';

/** A route's 5xx answers above this share of its requests in five minutes raise an alarm. */
export const SERVER_ERROR_RATE_PERCENT = 5;

export interface MonitoringProps {
  api: HttpApi;
  routes: readonly RouteDefinition[];
}

/** The application metrics that raise an alarm on any count in five minutes, each with what the operator should know. */
const COUNT_ALARMS: [id: string, metric: AppMetric, description: string][] = [
  [
    'CashOutUnknown',
    ALARMED_METRICS.cashOutUnknown,
    'A Village cash-out ended with its Stripe outcome unknown: money may have moved while Village was told it failed. Reconciliation will settle it; check the ledger for status "unknown".',
  ],
  [
    'PayoutFailedAfterPaid',
    ALARMED_METRICS.payoutFailedAfterPaid,
    'Stripe reported a payout failed after Village was answered 200 for it: the user was told they were paid. Act on it with Village and the user.',
  ],
  [
    'PayoutNeedsCompensation',
    ALARMED_METRICS.payoutNeedsCompensation,
    'Stripe shows money moving for a cash-out Village was told failed (the balance went back to the user). Reconciliation cancels or reverses it; check the ledger item flagged needsCompensation.',
  ],
  [
    'LedgerAnomaly',
    ALARMED_METRICS.ledgerAnomaly,
    'A Stripe payout or transfer contradicts the cash-out ledger (a second payout, another account, or a refused cash-out). Investigate the records of kind payout/transfer.',
  ],
  [
    'CashOutLedgerWriteFailed',
    ALARMED_METRICS.cashOutLedgerWriteFailed,
    'A cash-out outcome could not be recorded in the ledger. Read the cash-out log lines: one starting "OPERATOR:" says what to do (e.g. cancel a payout Village was told failed); otherwise the item stays "processing" and reconciliation raises it.',
  ],
  [
    'ReconcileNeedsOperator',
    ALARMED_METRICS.reconcileNeedsOperator,
    'The reconciliation job found a payout it cannot settle by itself; see its logs.',
  ],
  [
    'ReportFailed',
    ALARMED_METRICS.reportFailed,
    "A Stripe report run failed, or its file could not be downloaded when its event arrived: the reports job fetches it again within 15 minutes. See docs/operations.md (Reports and the daily close) and the console's Close page.",
  ],
  [
    'ReportFetchFailed',
    ALARMED_METRICS.reportFetchFailed,
    'The reports job could not download a Stripe report file it tried again. See the reports function\'s log ("Reports job finished") and docs/operations.md.',
  ],
  [
    'DayNotClosed',
    ALARMED_METRICS.dayNotClosed,
    "Yesterday's daily close found a payout or transfer that differs between the ledger and Stripe's reports (npm run close -- --date <day>; the console's Close page names each).",
  ],
  [
    'CatchUpFailed',
    ALARMED_METRICS.catchUpFailed,
    "Stripe catch-up could not list a source's events (or a connected account's), or could not apply one: events the webhook missed may still be missing. See the catch-up function's log (\"Catch-up finished\") and docs/sources-and-catch-up.md.",
  ],
];

/**
 * Alarms, the SNS topic they notify (emailed to the AlarmEmail parameter), and one dashboard.
 * Every Lambda function in the stack, including ones added after this construct, gets an
 * errors alarm and a throttles alarm: an aspect finds them when the stack is synthesised.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  private readonly watched = new Set<LambdaFunction>();
  private readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.api = props.api;
    const stack = Stack.of(this);
    this.topic = this.alarmTopic(stack);
    this.subscribeAlarmEmail(stack);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-operations`,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          "# Payments webhook gateway\nTraffic, rejections and latency per route; cash-outs by status; each function's errors and throttles.",
        width: 24,
        height: 2,
      }),
    );

    this.alarmOnServerErrorRate('Api', 'the webhooks API (all routes)', { ApiId: this.api.apiId });
    for (const route of props.routes) for (const routePath of routePaths(route)) this.watchRoute(route, routePath);
    for (const [alarmId, metric, description] of COUNT_ALARMS) this.alarmOnCount(alarmId, metric, description);
    this.addPayoutWidgets();

    Aspects.of(stack).add(new WatchEveryFunction(this));
  }

  /** The topic the alarms notify. CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, so it has its own key. */
  private alarmTopic(stack: Stack): Topic {
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the payments webhook gateway alarm topic',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new Topic(this, 'AlarmTopic', { displayName: 'Payments webhook gateway alarms', masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    return topic;
  }

  /** Emails the alarms to the AlarmEmail parameter's address; an empty parameter subscribes no one. */
  private subscribeAlarmEmail(stack: Stack): void {
    const email = new CfnParameter(stack, ALARM_EMAIL_PARAMETER, {
      type: 'String',
      default: '',
      description:
        'Email address that receives the gateway alarms (confirm the subscription email AWS sends). Empty: no email subscription.',
      allowedPattern: '^$|^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
      constraintDescription: 'must be an email address, or empty',
    });
    const emailGiven = new CfnCondition(stack, 'AlarmEmailGiven', {
      expression: Fn.conditionNot(Fn.conditionEquals(email.valueAsString, '')),
    });
    const subscription = new CfnSubscription(this, 'AlarmEmailSubscription', {
      topicArn: this.topic.topicArn,
      protocol: 'email',
      endpoint: email.valueAsString,
    });
    subscription.cfnOptions.condition = emailGiven;
  }

  /** Errors and throttles alarms and a dashboard row for one function; called once per function by the aspect. */
  watchFunction(fn: LambdaFunction): void {
    if (this.watched.has(fn)) return;
    this.watched.add(fn);
    const name = constructName(fn);
    const errors = fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' });
    const throttles = fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' });
    this.addAlarm(
      `${name}Errors`,
      errors,
      1,
      `${name} failed (a Lambda error: an exception, a timeout or a crash) at least once in 5 minutes; see its log group.`,
    );
    this.addAlarm(
      `${name}Throttles`,
      throttles,
      1,
      `${name} was throttled by Lambda at least once in 5 minutes; its callers got errors and will retry, or not.`,
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: `${name}: invocations, errors, throttles`,
        left: [fn.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' }), errors, throttles],
        width: 12,
      }),
      new GraphWidget({
        title: `${name}: duration`,
        left: [
          fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p50' }),
          fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
        ],
        width: 12,
      }),
    );
  }

  /** One path of a route (a route may serve several: `/webhooks/stripe` and `/webhooks/stripe/{sourceId}`). */
  private watchRoute(route: RouteDefinition, routePath: string): void {
    const dimensions = { ApiId: this.api.apiId, Stage: '$default', Route: `${route.method} ${routePath}` };
    const apiMetric = (metricName: string, statistic: string, label: string) =>
      new Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: dimensions, statistic, period: FIVE_MINUTES, label });
    // `…/{sourceId}` → `…BySourceId`, so each path's alarm has a name of its own.
    const parameters = [...routePath.matchAll(/\{(\w+)\}/g)].map((match) =>
      pascal(match[1]!.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)),
    );
    this.alarmOnServerErrorRate(`${pascal(route.id)}${parameters.length ? `By${parameters.join('')}` : ''}`, routePath, dimensions);
    this.dashboard.addWidgets(
      new GraphWidget({ title: `${routePath}: traffic`, left: [apiMetric('Count', 'Sum', 'requests')], width: 8 }),
      new GraphWidget({
        title: `${routePath}: rejections`,
        left: [apiMetric('4xx', 'Sum', '4xx (refused: signature, payload, size, throttled)'), apiMetric('5xx', 'Sum', '5xx')],
        width: 8,
      }),
      new GraphWidget({
        title: `${routePath}: latency (ms)`,
        left: [apiMetric('Latency', 'p50', 'p50'), apiMetric('Latency', 'p99', 'p99'), apiMetric('Latency', 'Maximum', 'max')],
        width: 8,
      }),
    );
  }

  private alarmOnServerErrorRate(name: string, what: string, dimensionsMap: Record<string, string>): void {
    const metric = (metricName: string) =>
      new Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap, statistic: 'Sum', period: FIVE_MINUTES });
    const rate = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { errors: metric('5xx'), requests: metric('Count') },
      period: FIVE_MINUTES,
      label: '5xx rate (%)',
    });
    this.addAlarm(
      `${name}ServerErrorRate`,
      rate,
      SERVER_ERROR_RATE_PERCENT,
      `More than ${SERVER_ERROR_RATE_PERCENT}% of the requests to ${what} were answered 5xx in 5 minutes.`,
    );
  }

  private alarmOnCount(name: string, appMetric: AppMetric, description: string): void {
    this.addAlarm(name, applicationMetric(appMetric), 1, description);
  }

  private addAlarm(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }

  private addPayoutWidgets(): void {
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Cash-outs by status',
        left: CASH_OUT_STATUSES.map((status) =>
          applicationMetric({ service: SERVICES.villageCashOut, metricName: cashOutMetric(status) }, status),
        ),
        stacked: true,
        width: 12,
      }),
      new GraphWidget({
        title: 'Payouts needing attention',
        left: Object.values(ALARMED_METRICS).map((metric) => applicationMetric(metric)),
        width: 12,
      }),
    );
  }
}

class WatchEveryFunction implements IAspect {
  constructor(private readonly monitoring: Monitoring) {}

  visit(node: IConstruct): void {
    if (node instanceof LambdaFunction && Stack.of(node) === Stack.of(this.monitoring)) this.monitoring.watchFunction(node);
  }
}

function applicationMetric(metric: AppMetric, label?: string): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: metric.metricName,
    dimensionsMap: { service: metric.service },
    statistic: 'Sum',
    period: FIVE_MINUTES,
    label: label ?? metric.metricName,
  });
}

/** The construct's path inside its stack, as one PascalCase word (`Reconciliation/Function` → `ReconciliationFunction`). */
function constructName(construct: IConstruct): string {
  const stackPath = Stack.of(construct).node.path;
  return construct.node.path.slice(stackPath.length + 1).replace(/[^A-Za-z0-9]/g, '');
}

function pascal(id: string): string {
  return id.replace(/(^|[-_])([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { reconcileConfig } from '../functions/reconcile/config.js';
import { checkFunctionConfig } from './deploy-settings.js';
import { wholeNumberSetting } from './context-setting.js';
import { GatewayFunction } from './gateway-function.js';
import { grantSecretValue, grantTableAccess, type TableAccess } from './grants.js';
import { STATUS_INDEX } from '../functions/shared/status-index.js';
import { tableDefinition } from './tables.js';

export interface ReconciliationProps {
  ledger: ITableV2;
  stripeSecretKey: ISecret;
  /** Where the job writes down its decisions (append-only: PutItem only). */
  history?: ITableV2;
  /** The limits' usage: a cash-out settled as not paid gives back what it took (gets and conditional updates). */
  usage?: ITableV2;
  /** How often the job runs; else the `reconcileRateMinutes` context value; else 15. */
  rateMinutes?: number;
  /** Extra settings (RECONCILE_* in functions/reconcile/config.ts). */
  environment?: Record<string, string>;
}

/**
 * Least privilege, from ReconcileStore: get, candidates through the byStatusShard index, and
 * conditional updates in place; no puts, deletes or scans.
 */
export const RECONCILE_LEDGER_ACCESS: TableAccess = { items: ['GetItem', 'UpdateItem'], queries: [STATUS_INDEX] };

/**
 * The scheduled reconciliation job: a Lambda that an EventBridge rule runs every few minutes
 * to settle cash-outs left `unknown`, crashed, stale, or answered non-200 with money moved.
 * `fn` is exposed so alarms can watch its errors and its ReconcileNeedsOperator metric.
 */
export class Reconciliation extends Construct {
  readonly fn: GatewayFunction;
  readonly rule: Rule;
  readonly rateMinutes: number;

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    this.rateMinutes = wholeNumberSetting(this, props.rateMinutes, { name: 'reconcileRateMinutes', default: 15, min: 1, unit: 'minutes' });

    const environment = {
      POWERTOOLS_SERVICE_NAME: 'reconcile',
      LEDGER_TABLE: props.ledger.tableName,
      STRIPE_SECRET_KEY_ARN: props.stripeSecretKey.secretArn,
      ...(props.history ? { HISTORY_TABLE: props.history.tableName } : {}),
      ...(props.usage ? { USAGE_TABLE: props.usage.tableName } : {}),
      ...props.environment,
    };
    // Settings the job would refuse at cold start stop the synth instead.
    checkFunctionConfig('reconcile', environment, reconcileConfig);
    this.fn = new GatewayFunction(this, 'Function', {
      entry: 'functions/reconcile/index.ts',
      description: 'Reconciles cash-outs that did not settle in time against Stripe; never creates a payout',
      // Many items, each a few Stripe calls; the job stops 30 s before this and leaves the rest for the next run.
      timeout: Duration.minutes(5),
      memorySize: 512,
      environment,
    });
    grantTableAccess(this.fn, props.ledger, tableDefinition('ledger'), RECONCILE_LEDGER_ACCESS);
    if (props.history) grantTableAccess(this.fn, props.history, tableDefinition('history'), { items: ['PutItem'] });
    if (props.usage) grantTableAccess(this.fn, props.usage, tableDefinition('usage'), { items: ['GetItem', 'UpdateItem'] });
    grantSecretValue(this.fn, props.stripeSecretKey);

    this.rule = new Rule(this, 'Schedule', {
      description: `Runs the cash-out reconciliation every ${this.rateMinutes} minutes`,
      schedule: Schedule.rate(Duration.minutes(this.rateMinutes)),
      // A failed run is not retried: the next scheduled run is the retry.
      targets: [new LambdaFunction(this.fn, { retryAttempts: 0 })],
    });
  }
}

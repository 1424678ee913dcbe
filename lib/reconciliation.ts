import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { GatewayFunction } from './gateway-function.js';

export interface ReconciliationProps {
  ledger: ITableV2;
  stripeSecretKey: ISecret;
  /** Where the job writes down its decisions (append-only: PutItem only). */
  history?: ITableV2;
  /** How often the job runs; else the `reconcileRateMinutes` context value; else 15. */
  rateMinutes?: number;
  /** Extra settings (RECONCILE_* in functions/reconcile/config.ts). */
  environment?: Record<string, string>;
}

/** Least privilege: read the ledger and update items in place; no puts, deletes or scans. */
export const RECONCILE_LEDGER_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'] as const;

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
    this.rateMinutes = props.rateMinutes ?? Number(this.node.tryGetContext('reconcileRateMinutes') ?? 15);
    if (!Number.isInteger(this.rateMinutes) || this.rateMinutes < 1) {
      throw new Error(`reconcileRateMinutes must be a whole number of minutes, at least 1 (got ${this.rateMinutes}).`);
    }

    this.fn = new GatewayFunction(this, 'Function', {
      entry: 'functions/reconcile/index.ts',
      description: 'Reconciles cash-outs that did not settle in time against Stripe; never creates a payout',
      // Many items, each a few Stripe calls; the job stops 30 s before this and leaves the rest for the next run.
      timeout: Duration.minutes(5),
      memorySize: 512,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'reconcile',
        LEDGER_TABLE: props.ledger.tableName,
        STRIPE_SECRET_KEY_ARN: props.stripeSecretKey.secretArn,
        ...props.environment,
      },
    });
    props.ledger.grant(this.fn, ...RECONCILE_LEDGER_ACTIONS);
    if (props.history) {
      this.fn.addEnvironment('HISTORY_TABLE', props.history.tableName);
      props.history.grant(this.fn, 'dynamodb:PutItem');
    }
    props.stripeSecretKey.grantRead(this.fn);

    this.rule = new Rule(this, 'Schedule', {
      description: `Runs the cash-out reconciliation every ${this.rateMinutes} minutes`,
      schedule: Schedule.rate(Duration.minutes(this.rateMinutes)),
      // A failed run is not retried: the next scheduled run is the retry.
      targets: [new LambdaFunction(this.fn, { retryAttempts: 0 })],
    });
  }
}

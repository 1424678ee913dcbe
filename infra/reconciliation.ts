import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { scheduledJob } from './scheduled-job.js';
import { reconcileConfig } from '../functions/reconcile/config.js';
import { wholeNumberSetting } from './context-setting.js';
import type { GatewayFunction } from './gateway-function.js';
import type { TableAccess } from './grants.js';
import { STATUS_INDEX } from '../functions/shared/status-index.js';

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

    ({ fn: this.fn, rule: this.rule } = scheduledJob(this, {
      service: 'reconcile',
      entry: 'functions/reconcile/index.ts',
      description: 'Reconciles cash-outs that did not settle in time against Stripe; never creates a payout',
      // Many items, each a few Stripe calls; the job stops 30 s before this and leaves the rest for the next run.
      timeout: Duration.minutes(5),
      memorySize: 512,
      readConfig: reconcileConfig,
      environment: props.environment ?? {},
      tables: {
        ledger: { table: props.ledger, access: RECONCILE_LEDGER_ACCESS },
        history: props.history && { table: props.history, access: { items: ['PutItem'] } },
        usage: props.usage && { table: props.usage, access: { items: ['GetItem', 'UpdateItem'] } },
      },
      stripeSecretKey: props.stripeSecretKey,
      schedule: {
        rate: Duration.minutes(this.rateMinutes),
        description: `Runs the cash-out reconciliation every ${this.rateMinutes} minutes`,
      },
    }));
  }
}

import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { wholeNumberSetting } from './context-setting.js';
import { GatewayFunction } from './gateway-function.js';
import { grantSourceSecretsRead } from './stripe-sources.js';
import { TABLES, type TableDefinition } from './tables.js';

/** Stripe keeps events for 30 days: a window beyond that lists nothing more. */
const MAX_WINDOW_HOURS = 720;

export interface CatchUpProps {
  tables: Record<'ledger' | 'recipients' | 'events' | 'records' | 'sources', ITableV2>;
  stripeSecretKey: ISecret;
  sourceSecretPrefix: string;
  /** How often it runs; else the `catchUpRateHours` context value; else 6. */
  rateHours?: number;
  /** How far back each scheduled run lists; else the `catchUpWindowHours` context value; else 72. */
  windowHours?: number;
}

/** Exactly what the job does with one table: item calls on the table, queries (on the table itself, or on named indexes). */
export interface CatchUpTableAccess {
  items: readonly ('GetItem' | 'PutItem' | 'UpdateItem')[];
  /** Index names; `table` is a Query on the table's own key. */
  queries?: readonly string[];
}

/**
 * Least privilege, table by table: what applying an event does (the same calls as the
 * webhook), plus finding the connected accounts with cash-outs (the ledger's byStatus index)
 * and listing the sources (a Query on the provider's partition). No deletes, no scans, no
 * put on the ledger.
 */
export const CATCH_UP_TABLE_ACCESS: Record<keyof CatchUpProps['tables'], CatchUpTableAccess> = {
  ledger: { items: ['GetItem', 'UpdateItem'], queries: ['byStripeObjectId', 'byStatus'] },
  recipients: { items: ['UpdateItem'], queries: ['byAccountId'] },
  events: { items: ['GetItem', 'PutItem', 'UpdateItem'] },
  records: { items: ['GetItem', 'UpdateItem'] },
  sources: { items: ['GetItem'], queries: ['table'] },
};

/**
 * The scheduled catch-up: a Lambda that an EventBridge rule runs every few hours to list the
 * platform's, its connected accounts' and the merchant sources' events through Stripe's API
 * and apply any the webhook never got. Invoked by hand with `{"since": "30d", "sourceId": …}`
 * it imports a new source's history.
 */
export class CatchUp extends Construct {
  readonly fn: GatewayFunction;
  readonly rule: Rule;
  readonly rateHours: number;
  readonly windowHours: number;

  constructor(scope: Construct, id: string, props: CatchUpProps) {
    super(scope, id);
    this.rateHours = wholeNumberSetting(this, props.rateHours, { name: 'catchUpRateHours', default: 6, min: 1, max: 24, unit: 'hours' });
    // Each run must reach back at least to the one before, and Stripe keeps nothing older than 30 days.
    this.windowHours = wholeNumberSetting(this, props.windowHours, { name: 'catchUpWindowHours', default: 72, min: this.rateHours, max: MAX_WINDOW_HOURS, unit: `hours (from catchUpRateHours to Stripe's 30 days)` });

    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: 'catch-up',
      STRIPE_SECRET_KEY_ARN: props.stripeSecretKey.secretArn,
      STRIPE_SOURCE_SECRET_PREFIX: props.sourceSecretPrefix,
      CATCH_UP_WINDOW_HOURS: String(this.windowHours),
    };
    for (const [tableId, table] of Object.entries(props.tables)) environment[tableEnv(tableId as TableDefinition['id'])] = table.tableName;
    this.fn = new GatewayFunction(this, 'Function', {
      entry: 'functions/catch-up/index.ts',
      description: 'Lists Stripe events (platform, connected accounts with cash-outs, merchant sources) and applies any the webhook never got',
      // Many pages, each event a few writes; the job stops a minute before this and the next run goes on.
      timeout: Duration.minutes(15),
      // A list is held whole before it is applied (a few KB per event).
      memorySize: 1024,
      environment,
    });
    for (const [tableId, table] of Object.entries(props.tables) as [keyof CatchUpProps['tables'], ITableV2][]) grantExactly(this.fn, table, CATCH_UP_TABLE_ACCESS[tableId]);
    // Its value is all the job reads (grantRead would add DescribeSecret).
    this.fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.stripeSecretKey.secretArn] }));
    grantSourceSecretsRead(this, this.fn, props.sourceSecretPrefix);

    this.rule = new Rule(this, 'Schedule', {
      description: `Catches up on Stripe events every ${this.rateHours} h over the last ${this.windowHours} h`,
      schedule: Schedule.rate(Duration.hours(this.rateHours)),
      // A failed run is not retried: the next scheduled run lists the same window again.
      targets: [new LambdaFunction(this.fn, { retryAttempts: 0 })],
    });
  }
}

/** Item calls on the table's ARN, each query on its own index's ARN (Table.grant would add index/* of every index). */
function grantExactly(grantee: IGrantable, table: ITableV2, access: CatchUpTableAccess): void {
  const indexes = (access.queries ?? []).filter((query) => query !== 'table');
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...access.items, ...(access.queries?.includes('table') ? ['Query'] : [])].map((action) => `dynamodb:${action}`), resources: [table.tableArn] }),
  );
  if (indexes.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes.map((index) => `${table.tableArn}/index/${index}`) }));
  }
}

function tableEnv(id: TableDefinition['id']): string {
  return TABLES.find((table) => table.id === id)!.env;
}

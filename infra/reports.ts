import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { scheduledJob, withAccess } from './scheduled-job.js';
import { reportsConfig } from '../functions/reports/config.js';
import type { GatewayFunction } from './gateway-function.js';
import type { TableAccess } from './grants.js';
import { grantSourceSecretsRead } from './stripe-sources.js';

export interface ReportsProps {
  tables: Record<'ledger' | 'records' | 'sources', ITableV2>;
  stripeSecretKey: ISecret;
  sourceSecretPrefix: string;
  /** Deploy settings the job reads (STRIPE_MODE). */
  environment?: Record<string, string>;
}

/**
 * Least privilege: the report runs, files and rows it keeps in the records table (a get, upserts,
 * a query on a run's or a day's own key), the ledger's cash-outs of a day (byStatusShard), and
 * the sources listed (a query on the provider's partition). No put, scan or delete.
 */
export const REPORTS_TABLE_ACCESS: Record<keyof ReportsProps['tables'], TableAccess> = {
  ledger: { items: [], queries: ['byStatusShard'] },
  records: { items: ['GetItem', 'UpdateItem', 'Query'] },
  sources: { items: ['Query'] },
};

/**
 * The scheduled reports job: every 15 minutes, the files of succeeded report runs not yet kept;
 * yesterday's Stripe report runs for the platform and
 * each merchant source with an API key, asked for once Stripe's data covers the day; files a
 * download failed for fetched again; then yesterday's daily close.
 */
export class Reports extends Construct {
  readonly fn: GatewayFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ReportsProps) {
    super(scope, id);
    ({ fn: this.fn, rule: this.rule } = scheduledJob(this, {
      service: 'reports',
      entry: 'functions/reports/index.ts',
      description: "Requests yesterday's Stripe report runs per source, fetches files a download failed for, and runs the daily close",
      // A few Stripe calls per source and report type, and the close's reads.
      timeout: Duration.minutes(5),
      memorySize: 512,
      readConfig: reportsConfig,
      environment: { STRIPE_SOURCE_SECRET_PREFIX: props.sourceSecretPrefix, ...props.environment },
      tables: withAccess(props.tables, REPORTS_TABLE_ACCESS),
      stripeSecretKey: props.stripeSecretKey,
      schedule: {
        rate: Duration.minutes(15),
        // Every 15 minutes: it fetches the files of runs whose events arrived (the events route holds no API key);
        // Stripe's data for a day becomes available hours after it ends, and a run asks only for what is missing.
        description: "Asks for yesterday's Stripe reports once their data is available, and closes the day",
      },
    }));
    grantSourceSecretsRead(this, this.fn, props.sourceSecretPrefix);
  }
}

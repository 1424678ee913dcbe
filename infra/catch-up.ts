import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { scheduledJob, withAccess } from './scheduled-job.js';
import { wholeNumberSetting } from './context-setting.js';
import { catchUpConfig } from '../functions/catch-up/config.js';
import type { GatewayFunction } from './gateway-function.js';
import type { TableAccess } from './grants.js';
import { grantSourceSecretsRead } from './stripe-sources.js';

/** Stripe keeps events for 30 days: a window beyond that lists nothing more. */
const MAX_WINDOW_HOURS = 720;

export interface CatchUpProps {
  tables: Record<'ledger' | 'recipients' | 'events' | 'records' | 'sources' | 'usage', ITableV2>;
  stripeSecretKey: ISecret;
  sourceSecretPrefix: string;
  /** How often it runs; else the `catchUpRateHours` context value; else 6. */
  rateHours?: number;
  /** How far back each scheduled run lists; else the `catchUpWindowHours` context value; else 72. */
  windowHours?: number;
  /** Deploy settings the job reads (STRIPE_MODE). */
  environment?: Record<string, string>;
}

/**
 * Least privilege, table by table: what applying an event does (the same calls as the
 * webhook), plus finding the connected accounts with cash-outs (the ledger's byStatusShard index)
 * and listing the sources (a Query on the provider's partition), and giving back the limits of a
 * cash-out that ends not paid (the usage table, as the webhook). No deletes, no scans, no
 * put on the ledger.
 */
export const CATCH_UP_TABLE_ACCESS: Record<keyof CatchUpProps['tables'], TableAccess> = {
  ledger: { items: ['GetItem', 'UpdateItem'], queries: ['byStripeObjectId', 'byStatusShard'] },
  recipients: { items: ['UpdateItem'], queries: ['byAccountId'] },
  events: { items: ['GetItem', 'PutItem', 'UpdateItem'] },
  records: { items: ['GetItem', 'UpdateItem'] },
  sources: { items: ['GetItem', 'Query'] },
  // A cash-out an applied event settles as not paid gives back its limits (the reservation, then the counters).
  usage: { items: ['GetItem', 'UpdateItem'] },
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
    this.windowHours = wholeNumberSetting(this, props.windowHours, {
      name: 'catchUpWindowHours',
      default: 72,
      min: this.rateHours,
      max: MAX_WINDOW_HOURS,
      unit: `hours (from catchUpRateHours to Stripe's 30 days)`,
    });

    ({ fn: this.fn, rule: this.rule } = scheduledJob(this, {
      service: 'catch-up',
      entry: 'functions/catch-up/index.ts',
      description:
        'Lists Stripe events (platform, connected accounts with cash-outs, merchant sources) and applies any the webhook never got',
      // Many pages, each event a few writes; the job stops a minute before this and the next run goes on.
      timeout: Duration.minutes(15),
      // A list is held whole before it is applied (a few KB per event).
      memorySize: 1024,
      readConfig: catchUpConfig,
      environment: {
        STRIPE_SOURCE_SECRET_PREFIX: props.sourceSecretPrefix,
        CATCH_UP_WINDOW_HOURS: String(this.windowHours),
        ...props.environment,
      },
      tables: withAccess(props.tables, CATCH_UP_TABLE_ACCESS),
      stripeSecretKey: props.stripeSecretKey,
      schedule: {
        rate: Duration.hours(this.rateHours),
        description: `Catches up on Stripe events every ${this.rateHours} h over the last ${this.windowHours} h`,
      },
    }));
    grantSourceSecretsRead(this, this.fn, props.sourceSecretPrefix);
  }
}

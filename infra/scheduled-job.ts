import type { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { Env } from '../functions/shared/config.js';
import { checkFunctionConfig } from './deploy-settings.js';
import { GatewayFunction } from './gateway-function.js';
import { grantSecretValue, grantTableAccess, type TableAccess } from './grants.js';
import { tableDefinition, type TableDefinition } from './tables.js';

type TableId = TableDefinition['id'];

/** What differs between the scheduled jobs (reconciliation, catch-up, reports); the rest is `scheduledJob`'s. */
export interface ScheduledJobSpec<T extends TableId> {
  /** POWERTOOLS_SERVICE_NAME, and the job's name when a setting is refused. */
  service: string;
  entry: string;
  description: string;
  timeout: Duration;
  memorySize: number;
  /** The job's own config reader: settings it would refuse at cold start stop the synth instead. */
  readConfig: (environment: Env) => unknown;
  /** Its settings beside the tables' names (which `tables` adds). */
  environment: Record<string, string>;
  /** The tables it uses, each with only the calls it makes. */
  tables: { [id in T]?: { table: ITableV2; access: TableAccess } };
  stripeSecretKey: ISecret;
  schedule: { rate: Duration; description: string };
}

/**
 * A Lambda an EventBridge rule runs on a schedule: its tables' names in its environment and
 * least-privilege access to each, the Stripe key's value, and no retry of a failed run (the
 * next scheduled run lists or reads the same again).
 */
export function scheduledJob<T extends TableId>(scope: Construct, spec: ScheduledJobSpec<T>): { fn: GatewayFunction; rule: Rule } {
  const tables = Object.entries(spec.tables) as [T, { table: ITableV2; access: TableAccess } | undefined][];
  const environment: Record<string, string> = {
    POWERTOOLS_SERVICE_NAME: spec.service,
    STRIPE_SECRET_KEY_ARN: spec.stripeSecretKey.secretArn,
  };
  for (const [id, used] of tables) if (used) environment[tableDefinition(id).env] = used.table.tableName;
  Object.assign(environment, spec.environment);
  checkFunctionConfig(spec.service, environment, spec.readConfig);
  const { entry, description, timeout, memorySize } = spec;
  const fn = new GatewayFunction(scope, 'Function', { entry, description, timeout, memorySize, environment });
  for (const [id, used] of tables) if (used) grantTableAccess(fn, used.table, tableDefinition(id), used.access);
  grantSecretValue(fn, spec.stripeSecretKey);
  const rule = new Rule(scope, 'Schedule', {
    description: spec.schedule.description,
    schedule: Schedule.rate(spec.schedule.rate),
    targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
  });
  return { fn, rule };
}

/** Each table beside the calls the job may make on it. */
export function withAccess<T extends TableId>(
  tables: Record<T, ITableV2>,
  access: Record<T, TableAccess>,
): { [id in T]: { table: ITableV2; access: TableAccess } } {
  const ids = Object.keys(tables) as T[];
  return Object.fromEntries(ids.map((id) => [id, { table: tables[id], access: access[id] }])) as {
    [id in T]: { table: ITableV2; access: TableAccess };
  };
}

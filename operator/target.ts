import { localDynamoEndpoint } from '../dev/defaults.js';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { operatorDeps, type OperatorDeps, type OperatorTables } from './wiring.js';
import type { Env } from '../functions/shared/config.js';
import { stripeModeOfKey, type StripeMode } from '../functions/shared/stripe.js';
import type { Logger } from '../functions/shared/telemetry.js';
import { LOCAL_SOURCE_SECRETS_DIR, LOCAL_STRIPE_STAND_IN_PORT } from '../dev/environment.js';
import { STRIPE_MODE_OUTPUT } from '../infra/deploy-settings.js';
import { TABLES, tableOutputName } from '../infra/tables.js';

/** Where the operator's console and commands work: DynamoDB Local, or a deployed stack's tables. */
export interface OperatorTarget {
  tables: OperatorTables;
  /** DynamoDB Local's endpoint; unset against AWS. */
  endpoint?: string;
  region?: string;
  /** Who acts: `local`, or the AWS identity's ARN. */
  who: string;
  /** For people: "DynamoDB Local at …" or "stack X in eu-west-1". */
  description: string;
  local: boolean;
  /**
   * The gateway's Stripe mode: a replay applies only events of this mode, as the route does.
   * A stack's `StripeMode` output; locally STRIPE_MODE, else the mode of STRIPE_SECRET_KEY, else
   * `test`, as `npm start` decides it.
   */
  stripeMode: StripeMode;
}

/** What is asked of AWS: the stack's outputs and who the credentials belong to. Injected in tests. */
export interface AwsLookup {
  stackOutputs(stackName: string, region?: string): Promise<Record<string, string>>;
  callerArn(region?: string): Promise<string>;
}

export const awsLookup: AwsLookup = {
  async stackOutputs(stackName, region) {
    const client = new CloudFormationClient({ region });
    try {
      const result = await client.send(new DescribeStacksCommand({ StackName: stackName }));
      const outputs = result.Stacks?.[0]?.Outputs ?? [];
      return Object.fromEntries(
        outputs.filter((output) => output.OutputKey && output.OutputValue).map((output) => [output.OutputKey!, output.OutputValue!]),
      );
    } finally {
      client.destroy();
    }
  },
  async callerArn(region) {
    const client = new STSClient({ region });
    try {
      const identity = await client.send(new GetCallerIdentityCommand({}));
      if (!identity.Arn) throw new Error('STS did not say who these credentials belong to.');
      return identity.Arn;
    } finally {
      client.destroy();
    }
  },
};

/**
 * Locally (no `stack`): the tables `npm start` created (LEDGER_TABLE…, or `<TABLE_PREFIX>-…`, default `local-…`) in the
 * DynamoDB at DYNAMODB_ENDPOINT (default http://127.0.0.1:8000), acting as `local`. With a
 * stack: its table names from its outputs, the operator's own AWS credentials (the usual
 * chain), and their identity as who acts; IAM is the authentication.
 */
export async function resolveTarget(
  options: { stack?: string; region?: string; env?: NodeJS.ProcessEnv },
  aws: AwsLookup = awsLookup,
): Promise<OperatorTarget> {
  const env = options.env ?? process.env;
  if (!options.stack) {
    const endpoint = localDynamoEndpoint(env);
    const tables = Object.fromEntries(
      TABLES.map((table) => [table.id, env[table.env] ?? `${env.TABLE_PREFIX ?? 'local'}-${table.id}`]),
    ) as unknown as OperatorTables;
    const stripeMode = checkedMode(env.STRIPE_MODE ?? stripeModeOfKey(env.STRIPE_SECRET_KEY ?? '') ?? 'test', 'STRIPE_MODE');
    return { tables, endpoint, who: 'local', description: `DynamoDB Local at ${endpoint}`, local: true, stripeMode };
  }
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const [outputs, who] = await Promise.all([aws.stackOutputs(options.stack, region), aws.callerArn(region)]);
  const missing = [...TABLES.map((table) => tableOutputName(table.id)), STRIPE_MODE_OUTPUT].filter((name) => !outputs[name]);
  if (missing.length)
    throw new Error(`Stack ${options.stack} has no output ${missing.join(', ')}: deploy this version of the stack first (npm run deploy).`);
  const tables = Object.fromEntries(TABLES.map((table) => [table.id, outputs[tableOutputName(table.id)]!])) as unknown as OperatorTables;
  const stripeMode = checkedMode(outputs[STRIPE_MODE_OUTPUT]!, `the stack's output ${STRIPE_MODE_OUTPUT}`);
  return { tables, region, who, description: `stack ${options.stack}${region ? ` in ${region}` : ''}`, local: false, stripeMode };
}

/** A mode as stated (a stack output, STRIPE_MODE): `live` or `test`, never guessed. */
function checkedMode(value: string, where: string): StripeMode {
  if (value === 'live' || value === 'test') return value;
  throw new Error(`${where} is ${JSON.stringify(value)}: the gateway's Stripe mode is live or test.`);
}

/**
 * Which Stripe reconciliation asks: STRIPE_API_BASE or STRIPE_SECRET_KEY when set; locally,
 * else the stand-in `npm start` runs on its fixed port. Against a stack, a key must be given
 * (the operator's own, e.g. a restricted key): there is no default.
 */
export function stripeForReconcile(env: NodeJS.ProcessEnv, local: boolean): { stripeEnv?: Env; unavailable?: string } {
  const stripeEnv: Env = { ...env };
  if (!stripeEnv.STRIPE_API_BASE && !stripeEnv.STRIPE_SECRET_KEY && !stripeEnv.STRIPE_SECRET_KEY_ARN) {
    if (!local)
      return {
        unavailable: "set STRIPE_SECRET_KEY to the platform's key (sk_… or a restricted rk_…) before starting, to reconcile from here.",
      };
    stripeEnv.STRIPE_API_BASE = `http://127.0.0.1:${stripeEnv.STRIPE_STAND_IN_PORT ?? LOCAL_STRIPE_STAND_IN_PORT}`;
  }
  if (stripeEnv.STRIPE_API_BASE) stripeEnv.STRIPE_SECRET_KEY ??= 'sk_test_local_stand_in';
  return { stripeEnv };
}

/** The target and the operator's dependencies over it, as the console and the operator commands use them. */
export async function connectOperator(
  options: { stack?: string; region?: string; env?: NodeJS.ProcessEnv; logger: Logger },
  aws: AwsLookup = awsLookup,
): Promise<{ target: OperatorTarget; deps: OperatorDeps }> {
  const env = options.env ?? process.env;
  const target = await resolveTarget({ ...options, env }, aws);
  const stripe = stripeForReconcile(env, target.local);
  const deps = operatorDeps({
    tables: target.tables,
    endpoint: target.endpoint,
    region: target.region,
    who: target.who,
    stripeMode: target.stripeMode,
    logger: options.logger,
    stripeEnv: stripe.stripeEnv,
    reconcileUnavailable: stripe.unavailable,
  });
  // A wrong endpoint, a missing table or missing permissions show at once, not on the first page.
  try {
    await deps.cashOuts.get('operator-console-probe');
  } catch (error) {
    const hint = target.local ? ' Is the gateway running (npm start)?' : ' Do your AWS credentials allow reading it?';
    throw new Error(`Cannot read the ledger table ${target.tables.ledger} (${target.description}): ${(error as Error).message}.${hint}`, {
      cause: error,
    });
  }
  return { target, deps };
}

/**
 * The environment `npm run catch-up` and `npm run import` run the job's own code with.
 * STRIPE_SOURCE_SECRET_PREFIX means a deployed stack: nothing local is assumed, every setting
 * must be given. Otherwise what is unset is `npm start`'s: its tables, its sources' secrets
 * directory, its DynamoDB Local, and the stand-in it runs on its default port when no Stripe is
 * configured. Only events of the gateway's mode are applied: the mode of its key, as `npm start` decides it.
 */
export function stripeJobEnv(given: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...given };
  if (!env.STRIPE_SOURCE_SECRET_PREFIX) {
    for (const table of TABLES) env[table.env] ??= `local-${table.id}`;
    env.STRIPE_SOURCE_SECRETS_DIR ??= LOCAL_SOURCE_SECRETS_DIR;
    if (!env.STRIPE_API_BASE && !env.STRIPE_SECRET_KEY && !env.STRIPE_SECRET_KEY_ARN)
      env.STRIPE_API_BASE = `http://127.0.0.1:${env.STRIPE_STAND_IN_PORT ?? LOCAL_STRIPE_STAND_IN_PORT}`;
    if (env.STRIPE_API_BASE) env.STRIPE_SECRET_KEY ??= 'sk_test_local_stand_in';
    env.DYNAMODB_ENDPOINT = localDynamoEndpoint(env);
  }
  env.STRIPE_MODE ??= stripeModeOfKey(env.STRIPE_SECRET_KEY ?? '') ?? (env.STRIPE_SOURCE_SECRET_PREFIX ? undefined : 'test');
  return env;
}

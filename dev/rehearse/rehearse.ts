import { randomBytes } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { makeDocumentClient } from '../../functions/shared/dynamodb.js';
import { LedgerStore } from '../../functions/shared/ledger.js';
import { RecipientStore } from '../../functions/shared/recipients.js';
import { SecretsManagerSourceSecrets, type SourceSecretStore } from '../../functions/stripe-events/source-secrets.js';
import { SourceStore } from '../../functions/stripe-events/source-store.js';
import { PROJECT_ROOT } from '../../infra/project-root.js';
import { SECRETS } from '../../infra/secrets.js';
import { freePort, startDynamoDbLocal } from '../dynamodb-local.js';
import { StripeStandIn } from '../stripe-stand-in.js';
import { runChecks, type RehearsalCheck } from './checks.js';
import { BundleRunner, commandAvailable, type Invocation } from './invoke.js';
import { createTemplateTable, resolveValue, resourcesOfType, templateFunctions, type Template, type TemplateFunction } from './template.js';

export type { RehearsalCheck };

/** Adds a merchant source as the operator's command does (`npm run sources -- add`: its `SourceAdmin`). */
export type AddSource = (
  stores: { sources: SourceStore; secrets: SourceSecretStore },
  sourceId: string,
  signingSecret: string,
) => Promise<unknown>;

export interface RehearsalOptions {
  /** How the rehearsal seeds its merchant source: the operator's own command, handed in by bin/rehearse.ts. */
  addSource: AddSource;
  /** A DynamoDB to create the tables in; else DynamoDB Local is started and stopped again. */
  dynamoEndpoint?: string;
  /** Told of each check as it ends. */
  onCheck?: (check: RehearsalCheck) => void;
  onNote?: (note: string) => void;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** The credentials every local call signs with (DynamoDB Local keeps one database per key and region unless shared). */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const RECIPIENT = { email: 'ada@example.com', accountId: 'acct_1RehearsalAda' };
const SOURCE = { id: 'rehearsal-shop', signingSecret: 'whsec_rehearsal_shop_secret' };

const pascal = (id: string) => id.replace(/(^|[-_])([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

/** Why the rehearsal cannot run here, if it cannot (a one-line notice); undefined when it can. */
export function rehearsalUnavailable(): string | undefined {
  return commandAvailable('moto_server')
    ? undefined
    : 'moto_server is not installed (pip install "moto[server]"): the bundles were not rehearsed.';
}

/** `cdk synth` into a fresh folder, as `cdk deploy` synthesizes, in test mode (the key is a test key). */
export async function synthesize(outdir: string): Promise<Template> {
  const cdk = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
  const env = { ...process.env, NODE_OPTIONS: '' };
  await new Promise<void>((resolve, reject) => {
    execFile(
      cdk,
      ['synth', '--quiet', '--output', outdir, '-c', 'stripeMode=test'],
      { cwd: PROJECT_ROOT, env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`cdk synth failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`)) : resolve(),
    );
  });
  const file = readdirSync(outdir).find((name) => name.endsWith('.template.json'));
  if (!file) throw new Error(`cdk synth wrote no template into ${outdir}`);
  return JSON.parse(readFileSync(path.join(outdir, file), 'utf8')) as Template;
}

/** moto's Secrets Manager on a free port, answered once it is up (the rehearsal's, and npm run smoke's test). */
export async function startMoto(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  for (let waited = 0; waited < 30_000; waited += 200) {
    try {
      await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      return { endpoint, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await stop();
  throw new Error(`moto_server did not answer on port ${port} within 30 s`);
}

/** The value `npm start` uses for the secret a template Secret stands for (its logical id begins with the secret's construct id). */
function localSecretValue(logicalId: string): string {
  const matches = SECRETS.filter((secret) => logicalId.startsWith(pascal(secret.id))).sort(
    (a, b) => pascal(b.id).length - pascal(a.id).length,
  );
  if (!matches[0]) throw new Error(`No local value for the template's secret ${logicalId}`);
  return matches[0].localDefault;
}

/** The local services the bundles reach: DynamoDB, Secrets Manager (moto) and the Stripe stand-in. */
interface LocalServices {
  dynamoEndpoint: string;
  secretsEndpoint: string;
  stripeApiBase: string;
}

/** What stops a started service or closes a client, run in reverse order when the rehearsal ends. */
type Stops = (() => Promise<void>)[];

/**
 * The rehearsal: the stack synthesized, each function's bundle from the cloud assembly run on
 * this Node with the environment the template gives it, against DynamoDB Local (tables from the
 * template), moto's Secrets Manager (secrets under the template's logical ids) and the Stripe
 * stand-in; driven as API Gateway and the schedules drive them.
 */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalCheck[]> {
  const note = options.onNote ?? (() => undefined);
  const checks: RehearsalCheck[] = [];
  const stops: Stops = [];
  try {
    const outdir = mkdtempSync(path.join(tmpdir(), 'rehearse-cdk-out-'));
    note(`cdk synth into ${outdir}`);
    const template = await synthesize(outdir);
    const functions = templateFunctions(template);
    note(`${functions.length} functions: ${functions.map((fn) => fn.service).join(', ')}`);
    const services = await startServices(options.dynamoEndpoint, stops);
    note(
      `DynamoDB at ${services.dynamoEndpoint}, Secrets Manager (moto) at ${services.secretsEndpoint}, Stripe stand-in at ${services.stripeApiBase}`,
    );
    const refs = await createTemplateResources(template, services, stops);
    const envOf = functionEnvironment(functions, refs, services);
    const runner = new BundleRunner();
    const invoke = (service: string, event: unknown): Promise<Invocation> => {
      const { fn, environment } = envOf(service);
      return runner.invoke(path.join(outdir, fn.assetPath), fn.logicalId, fn.timeoutSeconds, environment, event);
    };
    const ledger = await seedOperatorData(envOf, services, stops, options.addSource);
    const check = async (name: string, run: () => Promise<string>) => {
      const outcome = await run().then(
        (detail) => ({ name, ok: true, detail }),
        (error: unknown) => ({ name, ok: false, detail: (error as Error).message }),
      );
      checks.push(outcome);
      options.onCheck?.(outcome);
    };
    await runChecks({ invoke, ledger, recipient: RECIPIENT, source: SOURCE, where: { region: REGION, accountId: ACCOUNT }, check });
    return checks;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/** DynamoDB Local (unless one is given), moto and the Stripe stand-in, each stopped at the end. */
async function startServices(dynamoEndpoint: string | undefined, stops: Stops): Promise<LocalServices> {
  if (!dynamoEndpoint) {
    const dynamo = await startDynamoDbLocal();
    stops.push(dynamo.stop);
    dynamoEndpoint = dynamo.endpoint;
  }
  const moto = await startMoto();
  stops.push(moto.stop);
  const standIn = new StripeStandIn();
  const stripeApiBase = await standIn.start(0);
  stops.push(() => standIn.stop());
  return { dynamoEndpoint, secretsEndpoint: moto.endpoint, stripeApiBase };
}

/**
 * The template's tables and secrets, created under fresh names; answers what each logical id
 * (and the pseudo parameters) resolves to, as CloudFormation would resolve them.
 */
async function createTemplateResources(template: Template, services: LocalServices, stops: Stops): Promise<Record<string, string>> {
  const prefix = `rh${randomBytes(4).toString('hex')}`;
  const refs: Record<string, string> = {
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'PaymentsWebhookGateway',
  };
  const dynamo = new DynamoDBClient({ endpoint: services.dynamoEndpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  stops.push(async () => dynamo.destroy());
  for (const logicalId of resourcesOfType(template, 'AWS::DynamoDB::GlobalTable')) {
    const name = `${prefix}-${logicalId}`;
    await createTemplateTable(dynamo, template, logicalId, name);
    refs[logicalId] = name;
    refs[`${logicalId}.Arn`] = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
  }
  const secrets = secretsClient(services, stops);
  for (const logicalId of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
    const created = await secrets.send(
      new CreateSecretCommand({ Name: `${prefix}/${logicalId}`, SecretString: localSecretValue(logicalId) }),
    );
    refs[logicalId] = created.ARN!;
  }
  return refs;
}

function secretsClient(services: LocalServices, stops: Stops): SecretsManagerClient {
  const secrets = new SecretsManagerClient({ endpoint: services.secretsEndpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  stops.push(async () => secrets.destroy());
  return secrets;
}

type EnvironmentOf = (service: string) => { fn: TemplateFunction; environment: Record<string, string> };

/** A service's function in the template, and the environment Lambda would give it, pointed at the local services. */
function functionEnvironment(functions: TemplateFunction[], refs: Record<string, string>, services: LocalServices): EnvironmentOf {
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: services.dynamoEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: services.secretsEndpoint,
    STRIPE_API_BASE: services.stripeApiBase,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    TZ: ':UTC',
  };
  return (service) => {
    const fn = functions.find((candidate) => candidate.service === service);
    if (!fn) throw new Error(`The template has no function for ${service}`);
    const environment = {
      ...baseEnv,
      AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      ...Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, resolveValue(value, refs)])),
    };
    return { fn, environment };
  };
}

/** What npm start seeds, and a merchant source, written as the operator's commands write them; answers the ledger. */
async function seedOperatorData(envOf: EnvironmentOf, services: LocalServices, stops: Stops, addSource: AddSource): Promise<LedgerStore> {
  const stripeEnv = envOf('stripe-events').environment;
  const db = makeDocumentClient({ endpoint: services.dynamoEndpoint, region: REGION });
  stops.push(async () => db.destroy());
  await new RecipientStore(db, envOf('village-cash-out').environment.RECIPIENTS_TABLE!).put(
    RECIPIENT.email,
    RECIPIENT.accountId,
    new Date(),
  );
  await addSource(
    {
      sources: new SourceStore(db, stripeEnv.SOURCES_TABLE!),
      secrets: new SecretsManagerSourceSecrets(secretsClient(services, stops), stripeEnv.STRIPE_SOURCE_SECRET_PREFIX!),
    },
    SOURCE.id,
    SOURCE.signingSecret,
  );
  return new LedgerStore(db, stripeEnv.LEDGER_TABLE!);
}

import { randomBytes, randomUUID } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Stripe from 'stripe';
import { makeDocumentClient } from '../../functions/shared/dynamodb.js';
import { LedgerStore } from '../../functions/shared/ledger.js';
import { RecipientStore } from '../../functions/shared/recipients.js';
import { SourceAdmin } from '../../operator/sources.js';
import { SecretsManagerSourceSecrets } from '../../functions/stripe-events/source-secrets.js';
import { SourceStore } from '../../functions/stripe-events/source-store.js';
import { justWalletSignature } from '../../functions/just-wallet/signature.js';
import { villageSignature } from '../../functions/village-cash-out/signature.js';
import { PROJECT_ROOT } from '../../infra/project-root.js';
import { SECRETS } from '../../infra/secrets.js';
import { freePort, startDynamoDbLocal } from '../dynamodb-local.js';
import { StripeStandIn } from '../stripe-stand-in.js';
import { fixture } from '../send/fixtures.js';
import { BundleRunner, commandAvailable, type Invocation } from './invoke.js';
import { createTemplateTable, resolveValue, resourcesOfType, templateFunctions, type Template, type TemplateFunction } from './template.js';

export interface RehearsalCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RehearsalOptions {
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

/** An API Gateway HTTP API (payload format 2.0) event, as it reaches the function. */
export function httpApiEvent(
  routeKeyPath: string,
  rawPath: string,
  body: string,
  headers: Record<string, string>,
  pathParameters?: Record<string, string>,
) {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `POST ${routeKeyPath}`,
    rawPath,
    rawQueryString: '',
    headers: Object.fromEntries(
      Object.entries({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers }).map(
        ([name, value]) => [name.toLowerCase(), value],
      ),
    ),
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'rehearsal',
      domainName: 'rehearsal.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'rehearsal',
      http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'rehearsal' },
      requestId: randomUUID(),
      routeKey: `POST ${routeKeyPath}`,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(pathParameters ? { pathParameters } : {}),
    body,
    isBase64Encoded: false,
  };
}

/** An EventBridge schedule's event, as the rules' targets (no Input) receive it. */
export function scheduledEvent(ruleName: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${ruleName}`],
    detail: {},
  };
}

/** The value `npm start` uses for the secret a template Secret stands for (its logical id begins with the secret's construct id). */
function localSecretValue(logicalId: string): string {
  const matches = SECRETS.filter((secret) => logicalId.startsWith(pascal(secret.id))).sort(
    (a, b) => pascal(b.id).length - pascal(a.id).length,
  );
  if (!matches[0]) throw new Error(`No local value for the template's secret ${logicalId}`);
  return matches[0].localDefault;
}

type Answer = { statusCode?: number; body?: string };

/**
 * The rehearsal: the stack synthesized, each function's bundle from the cloud assembly run on
 * this Node with the environment the template gives it, against DynamoDB Local (tables from the
 * template), moto's Secrets Manager (secrets under the template's logical ids) and the Stripe
 * stand-in; driven as API Gateway and the schedules drive them.
 */
export async function rehearse(options: RehearsalOptions = {}): Promise<RehearsalCheck[]> {
  const note = options.onNote ?? (() => undefined);
  const checks: RehearsalCheck[] = [];
  const record = (check: RehearsalCheck) => {
    checks.push(check);
    options.onCheck?.(check);
  };
  const stops: (() => Promise<void>)[] = [];
  try {
    const outdir = mkdtempSync(path.join(tmpdir(), 'rehearse-cdk-out-'));
    note(`cdk synth into ${outdir}`);
    const template = await synthesize(outdir);
    const functions = templateFunctions(template);
    note(`${functions.length} functions: ${functions.map((fn) => fn.service).join(', ')}`);

    let dynamoEndpoint = options.dynamoEndpoint;
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
    note(`DynamoDB at ${dynamoEndpoint}, Secrets Manager (moto) at ${moto.endpoint}, Stripe stand-in at ${stripeApiBase}`);

    const prefix = `rh${randomBytes(4).toString('hex')}`;
    const refs: Record<string, string> = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'PaymentsWebhookGateway',
    };
    const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
    stops.push(async () => dynamo.destroy());
    for (const logicalId of resourcesOfType(template, 'AWS::DynamoDB::GlobalTable')) {
      const name = `${prefix}-${logicalId}`;
      await createTemplateTable(dynamo, template, logicalId, name);
      refs[logicalId] = name;
      refs[`${logicalId}.Arn`] = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
    }
    const secrets = new SecretsManagerClient({ endpoint: moto.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
    stops.push(async () => secrets.destroy());
    for (const logicalId of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
      const created = await secrets.send(
        new CreateSecretCommand({ Name: `${prefix}/${logicalId}`, SecretString: localSecretValue(logicalId) }),
      );
      refs[logicalId] = created.ARN!;
    }

    const baseEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
      STRIPE_API_BASE: stripeApiBase,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      TZ: ':UTC',
    };
    const envOf = (fn: TemplateFunction): Record<string, string> => ({
      ...baseEnv,
      AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      ...Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, resolveValue(value, refs)])),
    });
    const runner = new BundleRunner();
    const fnOf = (service: string) => {
      const found = functions.find((fn) => fn.service === service);
      if (!found) throw new Error(`The template has no function for ${service}`);
      return found;
    };
    const invoke = (service: string, event: unknown): Promise<Invocation> => {
      const fn = fnOf(service);
      return runner.invoke(path.join(outdir, fn.assetPath), fn.logicalId, fn.timeoutSeconds, envOf(fn), event);
    };

    // What npm start seeds, and a merchant source, written as the operator's commands write them.
    const envOfStripe = envOf(fnOf('stripe-events'));
    const db = makeDocumentClient({ endpoint: dynamoEndpoint, region: REGION });
    stops.push(async () => db.destroy());
    await new RecipientStore(db, envOf(fnOf('village-cash-out')).RECIPIENTS_TABLE!).put(RECIPIENT.email, RECIPIENT.accountId, new Date());
    await new SourceAdmin(
      new SourceStore(db, envOfStripe.SOURCES_TABLE!),
      new SecretsManagerSourceSecrets(secrets, envOfStripe.STRIPE_SOURCE_SECRET_PREFIX!),
      { now: () => Date.now() },
    ).add(SOURCE.id, { signingSecret: SOURCE.signingSecret });
    const ledger = new LedgerStore(db, envOfStripe.LEDGER_TABLE!);

    const answerOf = (invocation: Invocation): { status?: number; body: Record<string, unknown>; problem?: string } => {
      if (!invocation.ok) return { body: {}, problem: `threw: ${invocation.error?.split('\n')[0]}` };
      const answer = invocation.result as Answer;
      try {
        return { status: answer.statusCode, body: JSON.parse(answer.body ?? '{}') as Record<string, unknown> };
      } catch {
        return { status: answer.statusCode, body: { text: answer.body } };
      }
    };
    const check = async (name: string, run: () => Promise<string>) => {
      try {
        record({ name, ok: true, detail: await run() });
      } catch (error) {
        record({ name, ok: false, detail: (error as Error).message });
      }
    };
    const expectStatus = (invocation: Invocation, status: number) => {
      const answer = answerOf(invocation);
      if (answer.problem) throw new Error(`${answer.problem}${lastLogLine(invocation.output)}`);
      if (answer.status !== status)
        throw new Error(
          `answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}, expected ${status}${lastLogLine(invocation.output)}`,
        );
      return answer.body;
    };

    // A signed cash-out: paid, as under npm start.
    const cashOutId = `rh_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const cashOut = {
      ...(JSON.parse(fixture('village', 'cash-out')) as Record<string, unknown>),
      cash_out_id: cashOutId,
      destination_email: RECIPIENT.email,
      amount: '12.34',
      currency: 'USD',
    };
    const cashOutBody = JSON.stringify(cashOut);
    const villageSecret = SECRETS.find((secret) => secret.id === 'villageWebhookSecret')!.localDefault;
    let payoutId = '';
    await check('village-cash-out: a signed cash-out is paid', async () => {
      const body = expectStatus(
        await invoke(
          'village-cash-out',
          httpApiEvent('/webhooks/village/cash-out', '/webhooks/village/cash-out', cashOutBody, {
            'x-village-signature-256': villageSignature(villageSecret, cashOutBody),
          }),
        ),
        200,
      );
      payoutId = String((body.stripe as { id?: string } | undefined)?.id ?? '');
      if (!payoutId.startsWith('po_')) throw new Error(`answered 200 without a payout id: ${JSON.stringify(body).slice(0, 200)}`);
      return `200, ${cashOutId} 12.34 USD paid by Stripe payout ${payoutId}`;
    });
    await check('village-cash-out: a bad signature is refused', async () => {
      expectStatus(
        await invoke(
          'village-cash-out',
          httpApiEvent('/webhooks/village/cash-out', '/webhooks/village/cash-out', cashOutBody, {
            'x-village-signature-256': villageSignature('not-the-secret', cashOutBody),
          }),
        ),
        401,
      );
      return '401';
    });

    // The payout's payout.paid from Stripe: the cash-out becomes paid.
    const stripeSecret = SECRETS.find((secret) => secret.id === 'stripeWebhookSecret')!.localDefault;
    const paid = JSON.parse(fixture('stripe', 'payout.paid')) as {
      id: string;
      created: number;
      account?: string;
      livemode: boolean;
      data: { object: Record<string, unknown> };
    };
    paid.id = `evt_${randomBytes(12).toString('hex')}`;
    paid.created = Math.floor(Date.now() / 1000);
    paid.account = RECIPIENT.accountId;
    paid.livemode = false;
    Object.assign(paid.data.object, {
      id: payoutId || 'po_missing',
      amount: 1234,
      currency: 'usd',
      livemode: false,
      metadata: { cash_out_id: cashOutId },
    });
    const paidBody = JSON.stringify(paid, null, 2);
    await check('stripe-events: payout.paid is applied', async () => {
      const body = expectStatus(
        await invoke(
          'stripe-events',
          httpApiEvent('/webhooks/stripe', '/webhooks/stripe', paidBody, {
            'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: paidBody, secret: stripeSecret }),
          }),
        ),
        200,
      );
      if (body.outcome !== 'applied') throw new Error(`answered 200 ${JSON.stringify(body).slice(0, 200)}, expected outcome applied`);
      const item = await ledger.get(cashOutId);
      if (item?.status !== 'paid') throw new Error(`the ledger says ${item?.status ?? 'nothing'} for ${cashOutId}, expected paid`);
      return `200 applied, ledger ${cashOutId}: paid`;
    });
    await check('stripe-events: a bad signature is refused', async () => {
      expectStatus(
        await invoke(
          'stripe-events',
          httpApiEvent('/webhooks/stripe', '/webhooks/stripe', paidBody, {
            'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: paidBody, secret: 'whsec_not_the_secret' }),
          }),
        ),
        400,
      );
      return '400 signature_mismatch';
    });

    // A merchant source's event, at its own path, signed with its own secret.
    const payment = JSON.parse(fixture('stripe', 'payment_intent.succeeded')) as {
      id: string;
      created: number;
      livemode: boolean;
      account?: string;
      data: { object: Record<string, unknown> };
    };
    payment.id = `evt_${randomBytes(12).toString('hex')}`;
    payment.created = Math.floor(Date.now() / 1000);
    payment.livemode = false;
    delete payment.account;
    Object.assign(payment.data.object, { id: `pi_${randomBytes(10).toString('hex')}`, livemode: false });
    const paymentBody = JSON.stringify(payment, null, 2);
    const sourcePath = `/webhooks/stripe/${SOURCE.id}`;
    await check(`stripe-events: a merchant source's event is applied`, async () => {
      const event = httpApiEvent(
        '/webhooks/stripe/{sourceId}',
        sourcePath,
        paymentBody,
        { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: paymentBody, secret: SOURCE.signingSecret }) },
        { sourceId: SOURCE.id },
      );
      const body = expectStatus(await invoke('stripe-events', event), 200);
      if (body.outcome !== 'applied') throw new Error(`answered 200 ${JSON.stringify(body).slice(0, 200)}, expected outcome applied`);
      return `200 applied (source ${SOURCE.id}, payment_intent.succeeded)`;
    });

    // A Just Wallet payout event.
    const justWalletSecret = SECRETS.find((secret) => secret.id === 'justWalletWebhookSecret')!.localDefault;
    const walletEvent = JSON.parse(fixture('just-wallet', 'payout')) as { data: Record<string, unknown> };
    walletEvent.data.id = randomUUID();
    const walletBody = JSON.stringify(walletEvent);
    await check('just-wallet: a payout event is applied', async () => {
      const body = expectStatus(
        await invoke(
          'just-wallet',
          httpApiEvent('/webhooks/just-wallet', '/webhooks/just-wallet', walletBody, {
            Signature: justWalletSignature(justWalletSecret, walletBody, 'hmac'),
          }),
        ),
        200,
      );
      if (!/applied/.test(JSON.stringify(body))) throw new Error(`answered 200 ${JSON.stringify(body).slice(0, 200)}, expected it applied`);
      return `200 ${String(body.outcome ?? 'applied')}`;
    });
    await check('just-wallet: a bad signature is refused', async () => {
      expectStatus(
        await invoke(
          'just-wallet',
          httpApiEvent('/webhooks/just-wallet', '/webhooks/just-wallet', walletBody, {
            Signature: justWalletSignature('not-the-secret', walletBody, 'hmac'),
          }),
        ),
        401,
      );
      return '401';
    });

    // The schedules: each rule's event, once.
    for (const [service, rule] of [
      ['reconcile', 'ReconciliationSchedule'],
      ['catch-up', 'CatchUpSchedule'],
      ['reports', 'ReportsSchedule'],
    ] as const) {
      await check(`${service}: the schedule's run ends without error`, async () => {
        const invocation = await invoke(service, scheduledEvent(rule));
        if (!invocation.ok) throw new Error(`threw: ${invocation.error?.split('\n')[0]}`);
        return `returned ${JSON.stringify(invocation.result).slice(0, 160)}`;
      });
    }
    return checks;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/** The last error line a function logged, to say why a check failed. */
function lastLogLine(output: string): string {
  const line = output
    .split('\n')
    .reverse()
    .find((candidate) => /"level":"(ERROR|WARN)"|Error/.test(candidate));
  return line ? ` (its log: ${line.slice(0, 300)})` : '';
}

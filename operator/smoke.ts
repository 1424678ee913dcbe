import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Stripe from 'stripe';
import { justWalletSignature } from '../functions/just-wallet/signature.js';
import { TYPE_KEY } from '../functions/just-wallet/payload.js';
import { parseSecretString, type SecretValue } from '../functions/shared/secrets.js';
import { makeStripe } from '../functions/shared/stripe-sdk.js';
import { stripeModeOfKey, type StripeMode } from '../functions/shared/stripe.js';
import { villageSignature } from '../functions/village-cash-out/signature.js';
import { STRIPE_MODE_OUTPUT } from '../infra/deploy-settings.js';
import { localGatewayUrl, LOCAL_PORTS } from '../dev/defaults.js';
import { awsLookup, type AwsLookup } from './target.js';
import { ROUTES } from '../infra/routes.js';
import { SECRETS, secretDefinition } from '../infra/secrets.js';

/** What smoke checks: the webhook URLs, the secrets' values as the functions read them, the Stripe mode the stack expects. */
export interface SmokeTarget {
  description: string;
  urls: Record<string, string>;
  /** Each secret's raw value, by secret id; undefined when it could not be read (`readProblem`). */
  secrets: Record<string, { raw?: string; readProblem?: string }>;
  stripeMode: StripeMode;
  /** Where the Stripe SDK goes: the local stand-in, or api.stripe.com when unset. */
  stripeApiBase?: string;
}

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The value a secret holds until the operator sets it (lib/gateway-stack.ts). */
const NOT_SET = 'NOT_SET';

const pascal = (id: string) => id.replace(/(^|[-_])([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

/** Locally: the gateway `npm start` serves on PORT, with the secrets it uses (the environment's, else the development values). */
export function localSmokeTarget(env: NodeJS.ProcessEnv = process.env): SmokeTarget {
  const base = localGatewayUrl(env);
  const secrets = Object.fromEntries(SECRETS.map((secret) => [secret.id, { raw: env[secret.env] || secret.localDefault }]));
  const key = secrets.stripeSecretKey!.raw!;
  const stripeMode = env.STRIPE_MODE === 'live' || env.STRIPE_MODE === 'test' ? env.STRIPE_MODE : (stripeModeOfKey(key) ?? 'test');
  // As npm start decides: STRIPE_API_BASE, else real Stripe when a key is set, else the stand-in on its port.
  const stripeApiBase =
    env.STRIPE_API_BASE ||
    (env.STRIPE_SECRET_KEY ? undefined : `http://127.0.0.1:${env.STRIPE_STAND_IN_PORT || LOCAL_PORTS.STRIPE_STAND_IN_PORT}`);
  return {
    description: `the local gateway at ${base}`,
    urls: Object.fromEntries(ROUTES.map((route) => [route.id, `${base}${route.path}`])),
    secrets,
    stripeMode,
    stripeApiBase,
  };
}

/** A deployed stack: its URLs and Stripe mode from its outputs, its secrets read with the operator's own credentials. */
export async function stackSmokeTarget(stack: string, region: string | undefined, aws: AwsLookup = awsLookup): Promise<SmokeTarget> {
  const outputs = await aws.stackOutputs(stack, region);
  const wanted = [
    ...ROUTES.map((route) => `${pascal(route.id)}Url`),
    ...SECRETS.map((secret) => `${pascal(secret.id)}Name`),
    STRIPE_MODE_OUTPUT,
  ];
  const missing = wanted.filter((name) => !outputs[name]);
  if (missing.length)
    throw new Error(`Stack ${stack} has no output ${missing.join(', ')}: deploy this version of the stack first (npm run deploy).`);
  const stripeMode = outputs[STRIPE_MODE_OUTPUT];
  if (stripeMode !== 'live' && stripeMode !== 'test')
    throw new Error(
      `The stack's output ${STRIPE_MODE_OUTPUT} is ${JSON.stringify(stripeMode)}: the gateway's Stripe mode is live or test.`,
    );
  const client = new SecretsManagerClient({ region });
  try {
    const secrets: SmokeTarget['secrets'] = {};
    for (const secret of SECRETS) {
      const name = outputs[`${pascal(secret.id)}Name`]!;
      try {
        const value = await client.send(new GetSecretValueCommand({ SecretId: name }));
        secrets[secret.id] = { raw: value.SecretString ?? '' };
      } catch (error) {
        secrets[secret.id] = { readProblem: `cannot read ${name}: ${(error as Error).message.split('\n')[0]}` };
      }
    }
    return {
      description: `stack ${stack}${region ? ` in ${region}` : ''}`,
      urls: Object.fromEntries(ROUTES.map((route) => [route.id, outputs[`${pascal(route.id)}Url`]!])),
      secrets,
      stripeMode,
    };
  } finally {
    client.destroy();
  }
}

/** Every check, in order; none moves money, and what is stored is marked smoke and expires. */
export async function runSmoke(target: SmokeTarget): Promise<SmokeCheck[]> {
  const checks: SmokeCheck[] = [];
  const values: Record<string, SecretValue | undefined> = {};
  for (const secret of SECRETS) {
    const { check, value } = secretCheck(secret.id, target.secrets[secret.id] ?? {}, target.stripeMode);
    checks.push(check);
    values[secret.id] = value;
  }
  checks.push(await stripeKeyAccepted(values.stripeSecretKey, target));
  checks.push(...(await villageChecks(target.urls['village-cash-out']!, values.villageWebhookSecret)));
  checks.push(...(await stripeEventChecks(target.urls['stripe-events']!, values.stripeWebhookSecret, target.stripeMode)));
  checks.push(...(await justWalletChecks(target.urls['just-wallet']!, values.justWalletWebhookSecret)));
  return checks;
}

/** Set (not the placeholder), readable as the functions read it, and of the right kind: a Stripe key of the stack's mode, whsec_ signing secrets. */
function secretCheck(
  id: string,
  found: { raw?: string; readProblem?: string },
  stripeMode: StripeMode,
): { check: SmokeCheck; value?: SecretValue } {
  const definition = secretDefinition(id);
  const name = `secret ${definition.env}`;
  if (found.readProblem !== undefined) return { check: { name, ok: false, detail: found.readProblem } };
  const raw = found.raw ?? '';
  if (raw.trim() === NOT_SET) {
    // The Connect destination's secret is optional: unused until the operator adds that destination.
    if (id === 'stripeConnectWebhookSecret')
      return { check: { name, ok: true, detail: 'not set (optional: only for a Connect destination)' } };
    return { check: { name, ok: false, detail: 'still NOT_SET: set it (docs/operations.md)' } };
  }
  let value: SecretValue;
  try {
    value = parseSecretString(raw, definition.env);
  } catch (error) {
    return { check: { name, ok: false, detail: (error as Error).message } };
  }
  if (id === 'stripeSecretKey') {
    const mode = stripeModeOfKey(value.current);
    if (!mode) return { check: { name, ok: false, detail: 'not a Stripe secret or restricted key (sk_… or rk_…)' }, value };
    if (mode !== stripeMode)
      return { check: { name, ok: false, detail: `a ${mode}-mode key, but the stack expects ${stripeMode} mode` }, value };
    return { check: { name, ok: true, detail: `set, a ${mode}-mode key` }, value };
  }
  if ((id === 'stripeWebhookSecret' || id === 'stripeConnectWebhookSecret') && !value.current.startsWith('whsec_')) {
    return { check: { name, ok: false, detail: 'not a Stripe signing secret (whsec_…)' }, value };
  }
  return { check: { name, ok: true, detail: value.previous ? 'set (rolling: a previous value too)' : 'set' }, value };
}

/** A read that moves nothing: Stripe accepts the key. */
async function stripeKeyAccepted(key: SecretValue | undefined, target: SmokeTarget): Promise<SmokeCheck> {
  const name = 'Stripe accepts the key';
  if (!key) return { name, ok: false, detail: 'no key to try' };
  try {
    await makeStripe(key.current, target.stripeApiBase, { timeoutMs: 10_000 }).balance.retrieve();
    return { name, ok: true, detail: `balance read (${target.stripeApiBase ? `at ${target.stripeApiBase}` : 'api.stripe.com'})` };
  } catch (error) {
    return { name, ok: false, detail: `Stripe refused it: ${(error as Error).message.split('\n')[0]}` };
  }
}

const smokeId = () => `smoke_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: response.status, json: { text: text.slice(0, 200) } };
  }
}

/** Sends one request and compares what came back with what was expected, in one line. */
async function expectAnswer(
  name: string,
  send: () => Promise<{ status: number; json: Record<string, unknown> }>,
  expected: (answer: { status: number; json: Record<string, unknown> }) => string | undefined,
  passed: string,
): Promise<SmokeCheck> {
  try {
    const answer = await send();
    const problem = expected(answer);
    return problem
      ? { name, ok: false, detail: `${problem} (answered ${answer.status} ${JSON.stringify(answer.json).slice(0, 160)})` }
      : { name, ok: true, detail: passed };
  } catch (error) {
    return { name, ok: false, detail: `no answer: ${(error as Error).message.split('\n')[0]}` };
  }
}

const WRONG_SECRET = 'smoke-wrong-secret';

/**
 * The Village route, signed: an amount with more decimals than its currency has is refused
 * while the body is read, after the signature and before anything is stored or paid (a limit's
 * 422 would come only after the ledger claim). Then the same body wrongly signed: 401.
 */
async function villageChecks(url: string, secret: SecretValue | undefined): Promise<SmokeCheck[]> {
  const body = JSON.stringify({ cash_out_id: smokeId(), destination_email: 'smoke@example.com', amount: '0.001', currency: 'USD' });
  const signed = secret
    ? await expectAnswer(
        'Village cash-out URL, signed',
        () => post(url, body, { 'x-village-signature-256': villageSignature(secret.current, body) }),
        ({ status, json }) =>
          status === 401
            ? "the signature was refused: the secret in Village differs from the stack's"
            : status !== 400 || json.error !== 'invalid_amount'
              ? 'expected 400 invalid_amount'
              : undefined,
        'signature accepted; 0.001 USD refused (400 invalid_amount), nothing stored or paid',
      )
    : { name: 'Village cash-out URL, signed', ok: false, detail: 'no secret to sign with' };
  const wrong = await expectAnswer(
    'Village cash-out URL, wrongly signed',
    () => post(url, body, { 'x-village-signature-256': villageSignature(WRONG_SECRET, body) }),
    ({ status }) => (status === 401 ? undefined : 'expected 401'),
    'refused (401)',
  );
  return [signed, wrong];
}

/**
 * The Stripe route: a signed event of a type the gateway does not act on, in the stack's mode,
 * is acknowledged and stored only (the events table's TTL removes it); then wrongly signed: 400
 * signature_mismatch, the route's documented refusal.
 * Stripe's event ids are `evt_` and letters or digits, so the mark is `evt_smoke…`; its object is `smoke_…`.
 */
async function stripeEventChecks(url: string, secret: SecretValue | undefined, stripeMode: StripeMode): Promise<SmokeCheck[]> {
  const event = {
    id: `evt_smoke${Date.now().toString(36)}${randomBytes(6).toString('hex')}`,
    object: 'event',
    type: 'smoke.check',
    created: Math.floor(Date.now() / 1000),
    livemode: stripeMode === 'live',
    api_version: null,
    data: { object: { id: smokeId(), object: 'smoke' } },
  };
  const body = JSON.stringify(event, null, 2);
  const sign = (key: string) => Stripe.webhooks.generateTestHeaderString({ payload: body, secret: key });
  const signed = secret
    ? await expectAnswer(
        'Stripe events URL, signed',
        () => post(url, body, { 'stripe-signature': sign(secret.current) }),
        ({ status }) =>
          status === 401
            ? "the signature was refused: STRIPE_WEBHOOK_SECRET is not the destination's signing secret"
            : status < 200 || status > 299
              ? 'expected 2xx'
              : undefined,
        `${event.id} (smoke.check, ignored) acknowledged; stored only, expires`,
      )
    : { name: 'Stripe events URL, signed', ok: false, detail: 'no signing secret to sign with' };
  // The Stripe route answers a bad signature 400, as Stripe's own guidance has it (docs/stripe-events.md).
  const wrong = await expectAnswer(
    'Stripe events URL, wrongly signed',
    () => post(url, body, { 'stripe-signature': sign(`whsec_${WRONG_SECRET}`) }),
    ({ status, json }) => (status === 400 && json.error === 'signature_mismatch' ? undefined : 'expected 400 signature_mismatch'),
    'refused (400 signature_mismatch)',
  );
  return [signed, wrong];
}

/**
 * The Just Wallet route: a signed event of a type it does not know, id `smoke_…`, changes no
 * record and is kept until its TTL. Signed as its sample code does (an HMAC, so the secret does
 * not travel); a stack set to `-c justWalletSignatureMode=secret` is tried that way too.
 */
async function justWalletChecks(url: string, secret: SecretValue | undefined): Promise<SmokeCheck[]> {
  const id = smokeId();
  const body = JSON.stringify({ [TYPE_KEY]: 'smoke.check', data: { id } });
  const accepted = ({ status }: { status: number }) =>
    status === 401
      ? "the signature was refused: the secret in Just Wallet differs from the stack's"
      : status < 200 || status > 299
        ? 'expected 2xx'
        : undefined;
  let signed: SmokeCheck = { name: 'Just Wallet URL, signed', ok: false, detail: 'no secret to sign with' };
  if (secret) {
    signed = await expectAnswer(
      signed.name,
      () => post(url, body, { Signature: justWalletSignature(secret.current, body, 'hmac') }),
      accepted,
      `${id} (smoke.check) acknowledged; kept only, expires`,
    );
    if (!signed.ok && signed.detail.includes('answered 401')) {
      signed = await expectAnswer(
        signed.name,
        () => post(url, body, { Signature: justWalletSignature(secret.current, body, 'secret') }),
        accepted,
        `${id} (smoke.check) acknowledged (signature mode: secret); kept only, expires`,
      );
    }
  }
  const wrong = await expectAnswer(
    'Just Wallet URL, wrongly signed',
    () => post(url, body, { Signature: justWalletSignature(WRONG_SECRET, body, 'hmac') }),
    ({ status }) => (status === 401 ? undefined : 'expected 401'),
    'refused (401)',
  );
  return [signed, wrong];
}

/** One line per check. */
export function checkLine(check: SmokeCheck): string {
  return `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`;
}

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { freePort } from '../dev/dynamodb-local.js';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { rehearsalUnavailable, startMoto } from '../dev/rehearse/rehearse.js';
import { SECRETS } from '../infra/secrets.js';
import { runSmoke, stackSmokeTarget } from '../operator/smoke.js';
import { runScript, startScript } from './support/commands.js';

/** `npm run smoke --local` against `npm start` (bin/start.ts) on ports of its own, over the run's DynamoDB Local. */
const dynamo = process.env.DYNAMODB_ENDPOINT!;
const prefix = `smk${randomBytes(4).toString('hex')}`;
let env: Record<string, string>;
let gateway: ReturnType<typeof startScript>;

beforeAll(async () => {
  env = { PORT: String(await freePort()), STRIPE_STAND_IN_PORT: String(await freePort()), DYNAMODB_ENDPOINT: dynamo, TABLE_PREFIX: prefix };
  gateway = startScript('bin/start.ts', env);
  await gateway.waitFor(/Try: npm run send/);
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
});

const smoke = (extra: Record<string, string> = {}) =>
  runScript('bin/smoke.ts', ['--local'], { PORT: env.PORT, STRIPE_STAND_IN_PORT: env.STRIPE_STAND_IN_PORT, ...extra });
const items = async (table: string) => {
  const db = makeDocumentClient({ endpoint: dynamo });
  try {
    return (await db.send(new ScanCommand({ TableName: `${prefix}-${table}` }))).Items ?? [];
  } finally {
    db.destroy();
  }
};

describe('npm run smoke against npm start', () => {
  test('passes every check, one line each, storing no cash-out and only smoke events that expire', async () => {
    const result = await smoke();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('ok   '))).toHaveLength(12);
    expect(lines.at(-1)).toBe('All 12 checks passed.');
    expect(result.stdout).toContain('ok   Village cash-out URL, signed: signature accepted; 0.001 USD refused (400 invalid_amount)');
    expect(result.stdout).toContain('ok   Stripe accepts the key');

    expect(await items('ledger')).toEqual([]);
    expect(await items('usage')).toEqual([]);
    const events = await items('events');
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (const event of events) {
      expect(event.type).toBe('smoke.check');
      expect(event.expiresAt).toEqual(expect.any(Number));
    }
  }, 60_000);

  test('a wrong Village secret: exit 1, the failed check named', async () => {
    const result = await smoke({ VILLAGE_WEBHOOK_SECRET: 'not-the-gateway-secret' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL Village cash-out URL, signed: the signature was refused/m);
    expect(result.stderr.trim()).toBe('1 of 12 checks failed: Village cash-out URL, signed.');
  }, 60_000);

  test('a wrong Stripe signing secret: exit 1, the failed check named', async () => {
    const result = await smoke({ STRIPE_WEBHOOK_SECRET: 'whsec_not_the_destination_secret' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('1 of 12 checks failed: Stripe events URL, signed.');
  }, 60_000);

  test('a Stripe key of the other mode than the gateway expects: exit 1', async () => {
    const result = await smoke({ STRIPE_MODE: 'live' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL secret STRIPE_SECRET_KEY: a test-mode key, but the stack expects live mode');
  }, 60_000);

  test('a mistyped option is refused with the usage (exit 2)', async () => {
    const result = await runScript('bin/smoke.ts', ['--stak', 'Gateway']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('Unknown option --stak (did you mean --stack?).');
  });
});

describe('npm run smoke against a stack', () => {
  test('a stack without the outputs this version needs is refused, naming them', async () => {
    const aws = {
      stackOutputs: async () => ({ VillageCashOutUrl: 'https://example.invalid/webhooks/village/cash-out' }),
      callerArn: async () => 'arn:aws:iam::1:user/op',
    };
    await expect(stackSmokeTarget('Gateway', 'eu-west-1', aws)).rejects.toThrow(
      /^Stack Gateway has no output JustWalletUrl, StripeEventsUrl, VillageWebhookSecretName, .*StripeMode: deploy this version/,
    );
  });

  // The stack's secrets in a local Secrets Manager (moto), its URLs those of the npm start above.
  (rehearsalUnavailable() ? test.skip : test)(
    'reads each secret by the name its output gives; an unset one fails, naming it; the optional Connect secret may stay unset',
    async () => {
      const moto = await startMoto();
      const saved = {
        endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
        key: process.env.AWS_ACCESS_KEY_ID,
        secret: process.env.AWS_SECRET_ACCESS_KEY,
      };
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      const client = new SecretsManagerClient({ region: 'eu-west-1' });
      try {
        const outputs: Record<string, string> = {
          StripeMode: 'test',
          VillageCashOutUrl: `http://127.0.0.1:${env.PORT}/webhooks/village/cash-out`,
          JustWalletUrl: `http://127.0.0.1:${env.PORT}/webhooks/just-wallet`,
          StripeEventsUrl: `http://127.0.0.1:${env.PORT}/webhooks/stripe`,
        };
        for (const secret of SECRETS) {
          const name = `Gateway/${secret.id}`;
          outputs[`${secret.id[0]!.toUpperCase()}${secret.id.slice(1)}Name`] = name;
          const value = secret.id === 'stripeConnectWebhookSecret' || secret.id === 'stripeWebhookSecret' ? 'NOT_SET' : secret.localDefault;
          await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
        }
        const aws = { stackOutputs: async () => outputs, callerArn: async () => 'arn:aws:iam::1:user/op' };
        const target = await stackSmokeTarget('Gateway', 'eu-west-1', aws);
        expect(target.description).toBe('stack Gateway in eu-west-1');
        const checks = await runSmoke({ ...target, stripeApiBase: `http://127.0.0.1:${env.STRIPE_STAND_IN_PORT}` });
        const failed = checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`);
        expect(failed).toEqual([
          'secret STRIPE_WEBHOOK_SECRET: still NOT_SET: set it (docs/operations.md)',
          'Stripe events URL, signed: no signing secret to sign with',
        ]);
        expect(checks.find((check) => check.name === 'secret STRIPE_CONNECT_WEBHOOK_SECRET')).toEqual({
          name: 'secret STRIPE_CONNECT_WEBHOOK_SECRET',
          ok: true,
          detail: 'not set (optional: only for a Connect destination)',
        });
        expect(checks.find((check) => check.name === 'Village cash-out URL, signed')?.ok).toBe(true);
      } finally {
        client.destroy();
        Object.assign(process.env, {
          AWS_ENDPOINT_URL_SECRETS_MANAGER: saved.endpoint,
          AWS_ACCESS_KEY_ID: saved.key,
          AWS_SECRET_ACCESS_KEY: saved.secret,
        });
        for (const [name, value] of Object.entries({
          AWS_ENDPOINT_URL_SECRETS_MANAGER: saved.endpoint,
          AWS_ACCESS_KEY_ID: saved.key,
          AWS_SECRET_ACCESS_KEY: saved.secret,
        }))
          if (value === undefined) delete process.env[name];
        await moto.stop();
      }
    },
    60_000,
  );
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { villageConfig } from '../functions/village-cash-out/config.js';
import { GatewayStack } from '../infra/gateway-stack.js';
import { PROJECT_ROOT } from '../infra/project-root.js';

/**
 * Configuration that cannot start must not deploy: every `cdk synth/deploy -c name=value` is
 * checked at synth with the rules the functions apply at cold start, and a wrong one stops the
 * synth with an error naming it, instead of a stack whose every cold start fails.
 */
function build(context: Record<string, unknown>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return new GatewayStack(app, 'ConfigGateway');
}

function environmentOf(stack: GatewayStack, service: string): Record<string, string> {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<
    string,
    { Type: string; Properties: { Environment?: { Variables: Record<string, string> } } }
  >;
  const fn = Object.values(resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables.POWERTOOLS_SERVICE_NAME === service,
  );
  return fn!.Properties.Environment!.Variables;
}

describe('a deploy-time setting (-c name=value)', () => {
  test.each([
    ['payoutMode', 'bogus'],
    ['payoutMode', 'Payout'],
    ['villageDeadlineMs', 'abc'],
    ['villageDeadlineMs', '-5'],
    ['villageDeadlineMs', '2.5'],
    ['villageDeadlineMs', '0'],
    ['justWalletSignatureMode', 'sha256'],
    ['reconcileRateMinutes', 'often'],
    ['reconcileRateMinutes', '0'],
    ['apiRateLimit', 'fast'],
    ['apiBurstLimit', '-1'],
  ])('%s=%s stops the synth with an error naming the setting', (name, value) => {
    expect(() => build({ [name]: value })).toThrow(new RegExp(`\\b${name}\\b`));
  });

  test('is refused with what the function would say about it, and the value given', () => {
    expect(() => build({ payoutMode: 'bogus' })).toThrow(/payoutMode.*"bogus".*STRIPE_PAYOUT_MODE.*"payout"\|"transfer"/);
  });

  test('is refused at synth exactly when the function would refuse it at cold start', () => {
    const required = { LEDGER_TABLE: 'l', RECIPIENTS_TABLE: 'r', LIMITS_TABLE: 'lim', USAGE_TABLE: 'u' };
    for (const value of ['8000', '3000', '1', '0', '-1', 'abc', '1e3', ' 9000 ', '', '0x10', '12.5', 'Infinity']) {
      let functionRefuses = false;
      try {
        villageConfig({ ...required, VILLAGE_DEADLINE_MS: value });
      } catch {
        functionRefuses = true;
      }
      let synthRefuses = false;
      try {
        build({ villageDeadlineMs: value });
      } catch {
        synthRefuses = true;
      }
      expect([value, synthRefuses]).toEqual([value, functionRefuses]);
    }
  });

  test('in the right form reaches every function that reads it, as from cdk.json (a number) or from the CLI (a string)', () => {
    const stack = build({ payoutMode: 'transfer', villageDeadlineMs: 6000, justWalletSignatureMode: 'hmac' });
    expect(environmentOf(stack, 'village-cash-out')).toMatchObject({ STRIPE_PAYOUT_MODE: 'transfer', VILLAGE_DEADLINE_MS: '6000' });
    expect(environmentOf(stack, 'just-wallet')).toMatchObject({ JUST_WALLET_SIGNATURE_MODE: 'hmac' });
    expect(environmentOf(build({ villageDeadlineMs: '7000' }), 'village-cash-out')).toMatchObject({ VILLAGE_DEADLINE_MS: '7000' });
  });

  test('villageDeadlineMs must leave the cash-out function time to answer before Lambda stops it', () => {
    expect(() => build({ villageDeadlineMs: '15000' })).toThrow(/villageDeadlineMs.*timeout/);
    expect(() => build({ villageDeadlineMs: '14000' })).not.toThrow();
  });

  test('given as a stack property is checked the same way', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new GatewayStack(app, 'PropsGateway', { villageDeadlineMs: Number.NaN })).toThrow(/villageDeadlineMs/);
  });

  test('wrong on the command line makes `cdk synth` (bin/app.ts) fail, naming it', () => {
    const result = spawnSync(path.join(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['bin/app.ts'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        CDK_OUTDIR: mkdtempSync(path.join(tmpdir(), 'cdk-out-')),
        CDK_CONTEXT_JSON: JSON.stringify({ payoutMode: 'bogus', 'aws:cdk:bundling-stacks': [] }),
      },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/payoutMode/);
  }, 60_000);
});

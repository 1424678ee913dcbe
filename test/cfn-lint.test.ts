import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GatewayStack } from '../infra/gateway-stack.js';
import { PROJECT_ROOT } from '../infra/project-root.js';

const available = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
if (!available) console.log('cfn-lint is not installed: the synthesized template is not linted (pip install cfn-lint).');

const dir = mkdtempSync(path.join(tmpdir(), 'cfn-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The template as deployed (without bundling: cfn-lint reads only the template). */
function templateFile(context: Record<string, unknown>): string {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new GatewayStack(app, 'PaymentsWebhookGateway');
  const file = path.join(dir, `${Object.keys(context).join('-') || 'default'}.template.json`);
  writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON(), null, 1));
  return file;
}

describe('cfn-lint over the synthesized template', () => {
  // Run from the project root so .cfnlintrc.yaml (the accepted warnings, each with its reason) applies.
  test.each([
    ['the default deploy settings', {}],
    ['a test-mode rehearsal', { stripeMode: 'test', payoutMode: 'transfer' }],
  ])('finds no error and no unaccepted warning with %s', (_, context) => {
    if (!available) return;
    const result = spawnSync('cfn-lint', [templateFile(context)], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import {
  checkArchitectureList,
  checkContextKeys,
  checkLinks,
  checkPaths,
  checkScripts,
  checkVariables,
  loadPages,
  loadProject,
  type Page,
} from './support/docs-check.js';

/**
 * No stale docs: what README.md and docs/*.md name exists in the code. Each check is also run
 * on a page with one stale name of its kind, to show it would fail.
 */
const project = loadProject(process.cwd());
const pages = loadPages(process.cwd());

describe('README.md and docs/ name only what exists', () => {
  test('the pages are there, and the README is a front door (at most 200 lines)', () => {
    expect(pages.map((page) => page.file)).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/village-cash-outs.md',
        'docs/stripe-events.md',
        'docs/just-wallet-events.md',
        'docs/operations.md',
        'docs/reliability.md',
        'docs/performance.md',
        'docs/configuration.md',
        'docs/architecture.md',
        'docs/decisions.md',
      ]),
    );
    expect(
      pages
        .find((page) => page.file === 'README.md')!
        .text.trimEnd()
        .split('\n').length,
    ).toBeLessThanOrEqual(200);
  });

  test('every `npm run` command is a script in package.json', () => {
    expect(checkScripts(pages, project)).toEqual([]);
  });

  test('every `-c` context key is read by the CDK app', () => {
    expect(checkContextKeys(pages, project)).toEqual([]);
  });

  test('every environment variable is read somewhere in the code', () => {
    expect(checkVariables(pages, project)).toEqual([]);
  });

  test('every file path named exists', () => {
    expect(checkPaths(pages, project)).toEqual([]);
  });

  test('every relative link, and its #anchor, resolves', () => {
    expect(checkLinks(pages, project)).toEqual([]);
  });

  test('docs/architecture.md lists every file of the code folders under its own folder', () => {
    expect(checkArchitectureList(project)).toEqual([]);
  });
});

describe('the checks fail on a stale name', () => {
  const stale: Page = {
    file: 'docs/stale.md',
    text: [
      '# Stale',
      'Run `npm run sendd -- village-cash-out` after `npm start`.',
      'Deploy with `npm run deploy -- -c payoutModee=transfer`.',
      'Set `DYNAMO_PORT` or run `LOGFORMAT=json npm start`.',
      'See `functions/reconcile/decider.ts`, [the old page](old-page.md) and [a heading](operations.md#no-such-heading).',
    ].join('\n'),
  };

  test.each([
    ['npm run', checkScripts, ['docs/stale.md: npm run sendd is not a script in package.json']],
    ['-c', checkContextKeys, ['docs/stale.md: -c payoutModee is not a context key the CDK app reads']],
    [
      'variables',
      checkVariables,
      ['docs/stale.md: DYNAMO_PORT is not read anywhere in the code', 'docs/stale.md: LOGFORMAT is not read anywhere in the code'],
    ],
    ['paths', checkPaths, ['docs/stale.md: functions/reconcile/decider.ts does not exist']],
    [
      'links',
      checkLinks,
      [
        'docs/stale.md: the link old-page.md points to nothing',
        'docs/stale.md: the link operations.md#no-such-heading names no heading of docs/operations.md',
      ],
    ],
  ])('%s', (_kind, check, problems) => {
    expect(check([stale], project)).toEqual(problems);
  });

  test('architecture: a file listed under its parent folder instead of its own', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'architecture-'));
    mkdirSync(path.join(root, 'docs'));
    mkdirSync(path.join(root, 'dev', 'send'), { recursive: true });
    writeFileSync(path.join(root, 'dev', 'gateway.ts'), '');
    writeFileSync(path.join(root, 'dev', 'send', 'stripe.ts'), '');
    const page = [
      '**`dev/`**: the laptop.',
      '',
      '- `dev/gateway.ts`: …',
      '- `dev/send/stripe.ts`: …',
      '',
      '**`dev/send/`**: `npm run send`.',
    ];
    writeFileSync(path.join(root, 'docs', 'architecture.md'), page.join('\n'));
    expect(checkArchitectureList({ ...project, root })).toEqual(['docs/architecture.md does not list dev/send/stripe.ts under dev/send/']);
    rmSync(root, { recursive: true, force: true });
  });
});

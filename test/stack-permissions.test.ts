import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { GatewayStack } from '../infra/gateway-stack.js';
import { PROJECT_ROOT } from '../infra/project-root.js';

/**
 * Least privilege, in full: for each function, every resource its role names and every action
 * on it. The lists are written out here, from each function's code (the DynamoDB commands its
 * stores send, the secrets it reads), so that a permission added to the stack fails this test
 * until it is added here too, deliberately.
 */
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const READ_SECRET = ['secretsmanager:GetSecretValue'];

const EXPECTED: Record<string, Record<string, string[]>> = {
  // LedgerStore: get, claim (conditional put), takeOver and update; RecipientStore.get.
  'village-cash-out': {
    'table ledger': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    'table recipients': ['dynamodb:GetItem'],
    // LimitSettings: read only (operators set limits). LimitUsage: reservation and counters.
    'table limits': ['dynamodb:GetItem'],
    'table usage': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    'secret villageWebhookSecret': READ_SECRET,
    'secret stripeSecretKey': READ_SECRET,
    '*': XRAY,
  },
  // JustWalletEventStore: keep (conditional put, get on a lost race), never an update; JustWalletRecordStore: conditional updates only.
  'just-wallet': {
    'table events': ['dynamodb:GetItem', 'dynamodb:PutItem'],
    'table records': ['dynamodb:UpdateItem'],
    'secret justWalletWebhookSecret': READ_SECRET,
    '*': XRAY,
  },
  // LedgerEvents (get, byStripeObjectId, conditional update), RecipientStore.setPayoutsEnabled
  // (byAccountId, conditional update), StripeEventStore (claim, markApplied, release), StripeRecordStore
  // (get, apply), SourceStore (the source in the path), the merchant sources' secrets.
  'stripe-events': {
    'table ledger': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    'index ledger/byStripeObjectId': ['dynamodb:Query'],
    'table recipients': ['dynamodb:UpdateItem'],
    'index recipients/byAccountId': ['dynamodb:Query'],
    'table events': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    'table records': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    'table sources': ['dynamodb:GetItem'],
    'table usage': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    'secret stripeWebhookSecret': READ_SECRET,
    'secret stripeConnectWebhookSecret': READ_SECRET,
    'secrets stripe-sources/*': READ_SECRET,
    '*': XRAY,
  },
  // The same as stripe-events for applying events, plus: the connected accounts with cash-outs
  // (ledger byStatusShard), and listing the sources (a query on the sources table's own key);
  // like the webhook, giving back the limits of a cash-out an event settles as not paid (usage).
  'catch-up': {
    'table ledger': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    'index ledger/byStatusShard': ['dynamodb:Query'],
    'index ledger/byStripeObjectId': ['dynamodb:Query'],
    'table recipients': ['dynamodb:UpdateItem'],
    'index recipients/byAccountId': ['dynamodb:Query'],
    'table events': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    'table records': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    'table sources': ['dynamodb:GetItem', 'dynamodb:Query'],
    // A missed payout.failed it applies gives back the cash-out's limits, as the webhook's would.
    'table usage': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    'secret stripeSecretKey': READ_SECRET,
    'secrets stripe-sources/*': READ_SECRET,
    '*': XRAY,
  },
  // ReportStore: a run (get), upserts of runs, file chunks and rows, queries on a run's or a day's own key;
  // the close's cash-outs of a day (ledger byStatusShard); SourceStore.list (a query); the keys that read reports.
  reports: {
    'table records': ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    'index ledger/byStatusShard': ['dynamodb:Query'],
    'table sources': ['dynamodb:Query'],
    'secret stripeSecretKey': READ_SECRET,
    'secrets stripe-sources/*': READ_SECRET,
    '*': XRAY,
  },
  // ReconcileStore: get, candidates through byStatusShard, conditional updates; never a put on the ledger.
  // Each decision that changes something is recorded in the history table (a put, never an update).
  reconcile: {
    'table history': ['dynamodb:PutItem'],
    'table ledger': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    'index ledger/byStatusShard': ['dynamodb:Query'],
    'table usage': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    'secret stripeSecretKey': READ_SECRET,
    '*': XRAY,
  },
};

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; [other: string]: unknown };

/** The stack with the feature flags of cdk.json (policy minimisation among them), as `cdk synth` builds it; bundling skipped. */
function synth(extend?: (stack: GatewayStack) => void) {
  const flags = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
  const app = new App({ context: { ...flags, 'aws:cdk:bundling-stacks': [] } });
  const stack = new GatewayStack(app, 'PermissionsGateway');
  extend?.(stack);
  return { stack, resources: Template.fromStack(stack).toJSON().Resources as Record<string, Resource> };
}

/** For each function (by service name): its role's resources, each named as in EXPECTED, with the sorted actions on it. */
function permissions({ stack, resources }: ReturnType<typeof synth>): Record<string, Record<string, string[]>> {
  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as never);
  const names = new Map<string, string>([
    ...[...stack.tables].map(([id, table]) => [logicalId(table), id] as const),
    ...[...stack.secrets].map(([id, secret]) => [logicalId(secret), id] as const),
  ]);
  const nameOf = (resource: unknown): string => {
    if (resource === '*') return '*';
    const ref = (resource as { Ref?: string }).Ref;
    if (ref && names.has(ref)) return `secret ${names.get(ref)}`;
    const arnOf = (value: unknown) => {
      const [id, attribute] = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'] ?? [];
      return attribute === 'Arn' && id ? names.get(id) : undefined;
    };
    if (arnOf(resource)) return `table ${arnOf(resource)}`;
    const [separator, parts] = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'] ?? [];
    const index =
      separator === '' && parts?.length === 2 && typeof parts[1] === 'string' ? /^\/index\/(\w+)$/.exec(parts[1])?.[1] : undefined;
    if (index && arnOf(parts![0])) return `index ${arnOf(parts![0])}/${index}`;
    // The merchant sources' secrets, by the stack's name prefix (infra/stripe-sources.ts).
    const last = separator === '' ? parts?.at(-1) : undefined;
    if (typeof last === 'string' && last === `:secret:${stack.stackName}/stripe-sources/*`) return 'secrets stripe-sources/*';
    return `unexpected ${JSON.stringify(resource)}`;
  };

  const byFunction: Record<string, Record<string, string[]>> = {};
  for (const [, fn] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function')) {
    const service = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables.POWERTOOLS_SERVICE_NAME!;
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const granted: Record<string, Set<string>> = {};
    for (const statement of statements) {
      // Only plain allow statements: a condition, NotAction or NotResource would need reading on its own.
      expect(Object.keys(statement).sort()).toEqual(['Action', 'Effect', 'Resource']);
      expect(statement.Effect).toBe('Allow');
      for (const resource of [statement.Resource].flat()) {
        for (const action of [statement.Action].flat()) (granted[nameOf(resource)] ??= new Set()).add(action);
      }
    }
    byFunction[service] = Object.fromEntries(Object.entries(granted).map(([name, actions]) => [name, [...actions].sort()]));
  }
  return byFunction;
}

let deployed: ReturnType<typeof synth>;
beforeAll(() => {
  deployed = synth();
});

describe("each function's role", () => {
  test('grants exactly the actions its code uses, on exactly the tables, indexes and secrets it uses', () => {
    expect(permissions(deployed)).toEqual(EXPECTED);
  });

  test('the Stripe events function cannot put a recipient or a ledger item (remapping an email to another account)', () => {
    const stripe = permissions(deployed)['stripe-events']!;
    expect(stripe['table recipients']).not.toContain('dynamodb:PutItem');
    expect(stripe['table ledger']).not.toContain('dynamodb:PutItem');
  });

  test.each([
    [
      'a put on recipients for the Stripe events function',
      (s: GatewayStack) => s.tables.get('recipients')!.grant(s.functions.get('stripe-events')!, 'dynamodb:PutItem'),
    ],
    [
      'a query on the ledger table itself for reconciliation',
      (s: GatewayStack) =>
        s.reconciliation.fn.addToRolePolicy(
          new PolicyStatement({ actions: ['dynamodb:Query'], resources: [s.tables.get('ledger')!.tableArn] }),
        ),
    ],
    [
      'DescribeSecret for the cash-out function',
      (s: GatewayStack) =>
        s.functions
          .get('village-cash-out')!
          .addToRolePolicy(
            new PolicyStatement({ actions: ['secretsmanager:DescribeSecret'], resources: [s.secrets.get('stripeSecretKey')!.secretArn] }),
          ),
    ],
  ])('is checked in full: %s is noticed', (_, widen) => {
    expect(permissions(synth(widen))).not.toEqual(EXPECTED);
  });
});

import { describe, expect, test } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GatewayStack } from '../infra/gateway-stack.js';
import { resolveTarget, stripeForReconcile, type AwsLookup } from '../operator/target.js';
import { EVENT_LISTING_FIELDS, TABLES, tableOutputName } from '../infra/tables.js';

const outputs: Record<string, string> = {
  ...Object.fromEntries(TABLES.map((table) => [tableOutputName(table.id), `Gateway-${table.id}-ABC123`])),
  StripeMode: 'test',
};
const lookup = (found: Record<string, string>, asked: string[] = []): AwsLookup => ({
  async stackOutputs(stackName, region) {
    asked.push(`${stackName}@${region}`);
    return found;
  },
  async callerArn() {
    return 'arn:aws:sts::123456789012:assumed-role/Operator/jane';
  },
});

describe('where the console and the operator commands work', () => {
  test('with --stack: the table names from the stack outputs, and the AWS identity as who acts', async () => {
    const asked: string[] = [];
    const target = await resolveTarget({ stack: 'Gateway', region: 'eu-west-1', env: {} }, lookup(outputs, asked));
    expect(asked).toEqual(['Gateway@eu-west-1']);
    expect(target).toMatchObject({
      local: false,
      region: 'eu-west-1',
      who: 'arn:aws:sts::123456789012:assumed-role/Operator/jane',
      description: 'stack Gateway in eu-west-1',
    });
    expect(target.tables).toEqual({
      ledger: 'Gateway-ledger-ABC123',
      recipients: 'Gateway-recipients-ABC123',
      events: 'Gateway-events-ABC123',
      records: 'Gateway-records-ABC123',
      history: 'Gateway-history-ABC123',
      sources: 'Gateway-sources-ABC123',
      limits: 'Gateway-limits-ABC123',
      usage: 'Gateway-usage-ABC123',
    });
    expect(target.endpoint).toBeUndefined();
    expect(target.stripeMode).toBe('test');
  });

  test("with --stack: the gateway's Stripe mode is the stack's, and a stack that does not state it (or states neither mode) is an error", async () => {
    expect(
      (await resolveTarget({ stack: 'Gateway', env: { STRIPE_MODE: 'test' } }, lookup({ ...outputs, StripeMode: 'live' }))).stripeMode,
    ).toBe('live');
    const { StripeMode: _mode, ...older } = outputs;
    await expect(resolveTarget({ stack: 'Gateway', env: {} }, lookup(older))).rejects.toThrow(/no output StripeMode/);
    await expect(resolveTarget({ stack: 'Gateway', env: {} }, lookup({ ...outputs, StripeMode: 'Live' }))).rejects.toThrow(
      /StripeMode is "Live"/,
    );
  });

  test('a stack without an output the console needs is an error naming it', async () => {
    const { HistoryTableName: _history, ...older } = outputs;
    await expect(resolveTarget({ stack: 'Gateway', env: {} }, lookup(older))).rejects.toThrow(/no output HistoryTableName/);
  });

  test('locally: the tables npm start creates, DynamoDB Local, and "local" as who', async () => {
    const target = await resolveTarget({ env: { DYNAMODB_ENDPOINT: 'http://127.0.0.1:8123', LEDGER_TABLE: 'mine-ledger' } }, lookup({}));
    expect(target).toMatchObject({ local: true, who: 'local', endpoint: 'http://127.0.0.1:8123' });
    expect(target.tables).toMatchObject({ ledger: 'mine-ledger', history: 'local-history', events: 'local-events' });
  });

  test("locally: the gateway's Stripe mode as npm start decides it (STRIPE_MODE, else the key's mode, else test)", async () => {
    const mode = async (env: NodeJS.ProcessEnv) => (await resolveTarget({ env }, lookup({}))).stripeMode;
    expect(await mode({})).toBe('test');
    expect(await mode({ STRIPE_SECRET_KEY: 'rk_live_abc' })).toBe('live');
    expect(await mode({ STRIPE_SECRET_KEY: 'rk_live_abc', STRIPE_MODE: 'test' })).toBe('test');
    await expect(mode({ STRIPE_MODE: 'prod' })).rejects.toThrow(/STRIPE_MODE is "prod"/);
  });

  test('reconciling from the console needs a Stripe key against a stack; locally it uses the stand-in npm start runs', () => {
    expect(stripeForReconcile({}, false)).toEqual({ unavailable: expect.stringContaining('STRIPE_SECRET_KEY') });
    expect(stripeForReconcile({ STRIPE_SECRET_KEY: 'rk_live_x' }, false).stripeEnv).toMatchObject({ STRIPE_SECRET_KEY: 'rk_live_x' });
    expect(stripeForReconcile({ STRIPE_STAND_IN_PORT: '12999' }, true).stripeEnv).toMatchObject({
      STRIPE_API_BASE: 'http://127.0.0.1:12999',
      STRIPE_SECRET_KEY: 'sk_test_local_stand_in',
    });
  });
});

describe('the stack, for the console', () => {
  const synth = (context: Record<string, unknown> = {}) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
    return Template.fromStack(new GatewayStack(app, 'ConsoleGateway')).toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      Outputs: Record<string, unknown>;
    };
  };
  const eventsTable = (template: ReturnType<typeof synth>) =>
    Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::DynamoDB::GlobalTable' && JSON.stringify(r.Properties.KeySchema).includes('"eventKey"'),
    )!;

  test('outputs every table name the console reads, the history table included', () => {
    const template = synth();
    for (const table of TABLES) expect(template.Outputs[tableOutputName(table.id)]).toBeDefined();
  });

  test("outputs the Stripe mode it was deployed with (live unless -c stripeMode says otherwise), for the console's replays", () => {
    expect(synth().Outputs.StripeMode).toMatchObject({ Value: 'live' });
    expect(synth({ stripeMode: 'test' }).Outputs.StripeMode).toMatchObject({ Value: 'test' });
  });

  test('indexes events by provider and by object, copying the listing fields only (never the raw body)', () => {
    const indexes = eventsTable(synth()).Properties.GlobalSecondaryIndexes as {
      IndexName: string;
      Projection: { ProjectionType: string; NonKeyAttributes: string[] };
    }[];
    expect(indexes.map((index) => index.IndexName)).toEqual(['byProviderShard', 'byObjectId']);
    for (const index of indexes) {
      expect(index.Projection.ProjectionType).toBe('INCLUDE');
      expect(index.Projection.NonKeyAttributes).toEqual(expect.arrayContaining([...EVENT_LISTING_FIELDS]));
      expect(index.Projection.NonKeyAttributes).not.toContain('payload');
    }
  });

  test('-c eventsIndexLimit=1 deploys only the first events index (CloudFormation adds one per update)', () => {
    const indexes = eventsTable(synth({ eventsIndexLimit: '1' })).Properties.GlobalSecondaryIndexes as { IndexName: string }[];
    expect(indexes.map((index) => index.IndexName)).toEqual(['byProviderShard']);
    expect(() => synth({ eventsIndexLimit: 'two' })).toThrow(/eventsIndexLimit must be a whole number/);
  });

  test('the reconciliation job may only append to the history table; no route may touch it', () => {
    const template = synth();
    const historyId = Object.entries(template.Resources).find(
      ([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable' && JSON.stringify(r.Properties.KeySchema).includes('"subject"'),
    )![0];
    const statements = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) =>
        (r.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement.map((statement) => ({
          ...statement,
          roles: JSON.stringify(r.Properties.Roles),
        })),
      );
    const onHistory = statements.filter((statement) => JSON.stringify(statement.Resource).includes(historyId));
    expect(onHistory.flatMap((statement) => [statement.Action].flat())).toEqual(['dynamodb:PutItem']);
    expect(onHistory.every((statement) => statement.roles.includes('Reconciliation'))).toBe(true);
  });
});

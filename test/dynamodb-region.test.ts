import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { startDynamoDbLocal, type RunningDynamoDb } from '../dev/dynamodb-local.js';
import { startLocalEnvironment, type LocalEnvironment } from '../dev/environment.js';
import { justWalletEvent } from './support/just-wallet.js';

/**
 * DynamoDB Local started without -sharedDb (the default of AWS's own image) keeps one database
 * per access key and region. Against DYNAMODB_ENDPOINT the gateway signs with AWS_REGION (or
 * AWS_DEFAULT_REGION) and the usual credentials when they are set, so `aws dynamodb scan
 * --endpoint-url …` and other tools see what it wrote; placeholders only when they are not.
 */
const IDENTITY_VARIABLES = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
];
const saved = Object.fromEntries(IDENTITY_VARIABLES.map((name) => [name, process.env[name]]));

/** Sets exactly these identity variables for one test; the others are unset. */
function environment(values: Record<string, string>): void {
  for (const name of IDENTITY_VARIABLES) delete process.env[name];
  Object.assign(process.env, values);
}
afterEach(() => {
  for (const name of IDENTITY_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const ENDPOINT = 'http://127.0.0.1:8000';
const resolved = async (client: ReturnType<typeof makeDocumentClient>) => {
  const identity = { region: await client.config.region(), accessKeyId: (await client.config.credentials()).accessKeyId };
  client.destroy();
  return identity;
};

describe('a client of DYNAMODB_ENDPOINT', () => {
  test('signs as region "local" with placeholder keys when the environment names neither', async () => {
    environment({});
    expect(await resolved(makeDocumentClient({ endpoint: ENDPOINT }))).toEqual({ region: 'local', accessKeyId: 'local' });
  });

  test('uses AWS_REGION, or else AWS_DEFAULT_REGION, when set', async () => {
    environment({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-2' });
    expect((await resolved(makeDocumentClient({ endpoint: ENDPOINT }))).region).toBe('eu-west-1');
    environment({ AWS_DEFAULT_REGION: 'us-east-2' });
    expect((await resolved(makeDocumentClient({ endpoint: ENDPOINT }))).region).toBe('us-east-2');
  });

  test("uses a region given explicitly (a command's --region) over the environment", async () => {
    environment({ AWS_REGION: 'eu-west-1' });
    expect((await resolved(makeDocumentClient({ endpoint: ENDPOINT, region: 'ap-south-1' }))).region).toBe('ap-south-1');
  });

  test('uses the access keys in the environment when set', async () => {
    environment({ AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENTKEY', AWS_SECRET_ACCESS_KEY: 'environment-secret' });
    expect(await resolved(makeDocumentClient({ endpoint: ENDPOINT }))).toEqual({ region: 'local', accessKeyId: 'AKIAENVIRONMENTKEY' });
  });

  test('uses the profile named by AWS_PROFILE, through the usual credentials chain', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gateway-profile-'));
    writeFileSync(
      path.join(dir, 'credentials'),
      '[gateway-test]\naws_access_key_id = AKIAPROFILEKEY\naws_secret_access_key = profile-secret\n',
    );
    writeFileSync(path.join(dir, 'config'), '');
    environment({
      AWS_PROFILE: 'gateway-test',
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
      AWS_CONFIG_FILE: path.join(dir, 'config'),
      AWS_REGION: 'eu-west-3',
    });
    expect(await resolved(makeDocumentClient({ endpoint: ENDPOINT }))).toEqual({ region: 'eu-west-3', accessKeyId: 'AKIAPROFILEKEY' });
  });

  test("without an endpoint (in AWS) is the SDK's own: its region comes from AWS_REGION, never a placeholder", async () => {
    environment({ AWS_REGION: 'eu-central-1', AWS_ACCESS_KEY_ID: 'AKIALAMBDAKEY', AWS_SECRET_ACCESS_KEY: 'lambda-secret' });
    expect(await resolved(makeDocumentClient())).toEqual({ region: 'eu-central-1', accessKeyId: 'AKIALAMBDAKEY' });
  });
});

describe('DynamoDB Local with a database per access key and region (no -sharedDb)', () => {
  const KEYS = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIAREGIONTEST', AWS_SECRET_ACCESS_KEY: 'region-test-secret' };
  let dynamo: RunningDynamoDb;
  let local: LocalEnvironment;
  const previousEndpoint = process.env.DYNAMODB_ENDPOINT;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal({ sharedDb: false });
    // The handler modules read process.env at cold start, as in Lambda; jest gives each test file its own copy.
    environment(KEYS);
    process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    local = await startLocalEnvironment({
      env: process.env,
      port: 0,
      tablePrefix: `region${randomBytes(4).toString('hex')}`,
      seedSampleRecipient: false,
    });
  }, 60_000);

  afterAll(async () => {
    await local?.stop();
    await dynamo?.stop();
    process.env.DYNAMODB_ENDPOINT = previousEndpoint;
  });

  test('a tool signing with the same region and keys (aws dynamodb scan --endpoint-url) sees what the gateway wrote; placeholders see nothing', async () => {
    environment(KEYS);
    const event = justWalletEvent('payout');
    const response = await fetch(`${local.gateway.url}/webhooks/just-wallet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', signature: process.env.JUST_WALLET_WEBHOOK_SECRET! },
      body: JSON.stringify(event),
    });
    expect(response.status).toBe(200);

    const tool = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: KEYS.AWS_REGION,
      credentials: { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY },
    });
    const placeholder = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const found = await tool.send(
        new GetItemCommand({
          TableName: local.tables.records,
          Key: { id: { S: String(event.data.id) }, kind: { S: 'just_wallet_payout' } },
        }),
      );
      expect(found.Item?.status).toEqual({ S: 'pending' });
      // The separation is real: a client signing otherwise has a database of its own, empty.
      expect((await placeholder.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      tool.destroy();
      placeholder.destroy();
    }
  });
});

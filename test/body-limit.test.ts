import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { endpointClientSettings } from '../functions/shared/dynamodb.js';
import { DEFAULT_MAX_BODY_BYTES } from '../functions/shared/http.js';
import { startLocalEnvironment, type LocalEnvironment } from '../dev/environment.js';
import { ROUTES } from '../infra/routes.js';

/**
 * "Request bodies over a sane limit are refused before any work": every route, served by the
 * same handler modules the Lambdas run, refuses a body over 256 KiB with 413 before it even
 * looks at the signature, and writes nothing.
 */
let local: LocalEnvironment;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  // The handler modules read process.env at cold start, as in Lambda; jest gives each test file its own copy.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  local = await startLocalEnvironment({
    env: process.env,
    port: 0,
    tablePrefix: `limit${randomBytes(4).toString('hex')}`,
    seedSampleRecipient: false,
  });
  dynamo = new DynamoDBClient({ endpoint: local.dynamoEndpoint, ...endpointClientSettings() });
}, 60_000);

afterAll(async () => {
  dynamo?.destroy();
  await local?.stop();
});

/** A JSON object of exactly `bytes` bytes. */
const jsonOfSize = (bytes: number) => JSON.stringify({ padding: 'x'.repeat(bytes - '{"padding":""}'.length) });

const post = (path: string, body: string) =>
  fetch(`${local.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

async function itemsWritten(): Promise<number> {
  let count = 0;
  for (const table of Object.values(local.tables))
    count += (await dynamo.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count ?? 0;
  return count;
}

describe('request body limit', () => {
  test.each(ROUTES.map((route) => [route.path, route] as const))(
    '%s refuses a body over 256 KiB with 413, before checking its signature, and writes nothing',
    async (_, route) => {
      const response = await post(route.path, jsonOfSize(DEFAULT_MAX_BODY_BYTES + 1));
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({
        error: 'body_too_large',
        message: expect.stringContaining(String(DEFAULT_MAX_BODY_BYTES)),
      });
      expect(await itemsWritten()).toBe(0);
    },
  );

  test.each(ROUTES.map((route) => [route.path, route] as const))(
    '%s reads a body of exactly 256 KiB, and refuses it only for its missing signature',
    async (_, route) => {
      const response = await post(route.path, jsonOfSize(DEFAULT_MAX_BODY_BYTES));
      // Village and Just Wallet answer a missing signature 401; Stripe's route answers 400, as Stripe's own libraries do.
      expect([400, 401]).toContain(response.status);
      expect(((await response.json()) as { error: string }).error).toMatch(/signature/);
      expect(await itemsWritten()).toBe(0);
    },
  );
});

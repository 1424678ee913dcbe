import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { endpointClientSettings, makeDocumentClient } from '../../functions/shared/dynamodb.js';
import { createTables, tableNames, type TableNames } from '../../dev/create-tables.js';

export interface TestTables {
  names: TableNames;
  db: DynamoDBDocumentClient;
  endpoint: string;
}

/** Fresh tables in the run's DynamoDB Local (started by the global set-up), named uniquely per call. */
export async function createTestTables(): Promise<TestTables> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests with jest (its global set-up starts DynamoDB Local).');
  const names = tableNames(`t${randomBytes(5).toString('hex')}`);
  const client = new DynamoDBClient({ endpoint, ...endpointClientSettings() });
  await createTables(client, names);
  client.destroy();
  return { names, db: makeDocumentClient({ endpoint }), endpoint };
}

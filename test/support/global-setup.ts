import * as path from 'node:path';
import type { RunningDynamoDb } from '../../dev/dynamodb-local.js';

/**
 * One DynamoDB Local for the whole run; each test file creates its own tables in it.
 * Jest loads this file outside its ESM module mapping, so the launcher is loaded through tsx.
 */
export default async function globalSetup(): Promise<void> {
  // The project brings its own Node (the `node` devDependency); the run says which one it got.
  console.log(`\nTests run on Node ${process.version}`);
  const { tsImport } = await import('tsx/esm/api');
  const launcher = path.join(process.cwd(), 'dev/dynamodb-local.ts');
  const { startDynamoDbLocal } = (await tsImport(
    launcher,
    path.join(process.cwd(), 'jest.config.js'),
  )) as typeof import('../../dev/dynamodb-local.js');
  const dynamo = await startDynamoDbLocal();
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { __dynamo?: RunningDynamoDb }).__dynamo = dynamo;
}

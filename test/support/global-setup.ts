import { startDynamoDbLocal } from '../../lib/local/dynamodb-local.js';

/** One DynamoDB Local for the whole run; each test file creates its own tables in it. */
export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.DYNAMODB_LOCAL_PID = String(dynamo.pid);
  (globalThis as { __dynamo?: typeof dynamo }).__dynamo = dynamo;
}

import type { RunningDynamoDb } from '../../dev/dynamodb-local.js';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __dynamo?: RunningDynamoDb }).__dynamo?.stop();
}

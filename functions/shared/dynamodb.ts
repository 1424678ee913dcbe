import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoOptions {
  /** DynamoDB Local, e.g. http://localhost:8000. Unset in AWS. */
  endpoint?: string;
  region?: string;
}

/**
 * One document client per container. Against DynamoDB Local, the region and credentials
 * are placeholders it ignores.
 */
export function makeDocumentClient({ endpoint, region }: DynamoOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient(
    endpoint
      ? { endpoint, region: region ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : { region },
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

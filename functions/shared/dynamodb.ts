import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoOptions {
  /** DynamoDB Local, e.g. http://localhost:8000. Unset in AWS. */
  endpoint?: string;
  region?: string;
  /** One HTTP attempt may take this long before it is abandoned (and, within maxAttempts, retried). */
  requestTimeoutMs?: number;
  /** Establishing the connection may take this long. */
  connectionTimeoutMs?: number;
  /** Attempts per call, the first included (the SDK's retries with back-off). */
  maxAttempts?: number;
}

/**
 * Bounds on every DynamoDB call: without a request timeout the SDK waits on a silent
 * connection for as long as the function lives, so no deadline could be kept. Three attempts
 * of one second each, with the SDK's back-off, fit well inside Village's default deadline.
 */
export const DYNAMODB_DEFAULTS = { requestTimeoutMs: 1000, connectionTimeoutMs: 500, maxAttempts: 3 } as const;

/**
 * One document client per container. Against DynamoDB Local, the region and credentials
 * are placeholders it ignores.
 */
export function makeDocumentClient({ endpoint, region, ...bounds }: DynamoOptions = {}): DynamoDBDocumentClient {
  const { requestTimeoutMs, connectionTimeoutMs, maxAttempts } = { ...DYNAMODB_DEFAULTS, ...definedOnly(bounds) };
  const common = { maxAttempts, requestHandler: { requestTimeout: requestTimeoutMs, connectionTimeout: connectionTimeoutMs, throwOnRequestTimeout: true } };
  const client = new DynamoDBClient(
    endpoint
      ? { ...common, endpoint, region: region ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : { ...common, region },
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

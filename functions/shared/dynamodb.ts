import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoOptions {
  /** DynamoDB Local, e.g. http://localhost:8000. Unset in AWS. */
  endpoint?: string;
  region?: string;
}

/** The environment variables from which the SDK's usual chain takes credentials. */
const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'];

/**
 * How a client of DYNAMODB_ENDPOINT signs. DynamoDB Local without -sharedDb (the default of
 * AWS's own image) keeps one database per access key and region, so the gateway signs as
 * other tools would (`aws dynamodb scan --endpoint-url …`): with the given region, else
 * AWS_REGION, else AWS_DEFAULT_REGION, and with the SDK's usual credentials chain when the
 * environment names a source. Placeholders only when it names none; the chain is not probed
 * for them, as its last link (the instance metadata service) stalls a start-up off EC2.
 */
export function endpointClientSettings(env: Record<string, string | undefined> = process.env, region?: string): Pick<DynamoDBClientConfig, 'region' | 'credentials'> {
  const credentialsSet = CREDENTIAL_VARIABLES.some((name) => Boolean(env[name]));
  return {
    region: region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'local'),
    ...(credentialsSet ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

/** One document client per container; against DYNAMODB_ENDPOINT, signed as endpointClientSettings says. */
export function makeDocumentClient({ endpoint, region }: DynamoOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient(endpoint ? { endpoint, ...endpointClientSettings(process.env, region) } : { region });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

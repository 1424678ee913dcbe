import { DynamoDBClient, UpdateItemCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

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

/** The environment variables from which the SDK's usual chain takes credentials. */
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

/**
 * Bounds on every DynamoDB call: without a request timeout the SDK waits on a silent
 * connection for as long as the function lives, so no deadline could be kept. Three attempts
 * of one second each, with the SDK's back-off, fit well inside Village's default deadline.
 */
export const DYNAMODB_DEFAULTS = { requestTimeoutMs: 1000, connectionTimeoutMs: 500, maxAttempts: 3 } as const;

/**
 * Against DYNAMODB_ENDPOINT (DynamoDB Local, a Java process on a laptop or a loaded CI
 * machine) an attempt may take seconds without anything being wrong: the bound is looser
 * there. The handlers' own deadlines still bound every call.
 */
export const DYNAMODB_LOCAL_DEFAULTS = { requestTimeoutMs: 5000, connectionTimeoutMs: 2000, maxAttempts: 3 } as const;

/**
 * How a client of DYNAMODB_ENDPOINT signs. DynamoDB Local without -sharedDb (the default of
 * AWS's own image) keeps one database per access key and region, so the gateway signs as
 * other tools would (`aws dynamodb scan --endpoint-url …`): with the given region, else
 * AWS_REGION, else AWS_DEFAULT_REGION, and with the SDK's usual credentials chain when the
 * environment names a source. Placeholders only when it names none; the chain is not probed
 * for them, as its last link (the instance metadata service) stalls a start-up off EC2.
 */
export function endpointClientSettings(
  env: Record<string, string | undefined> = process.env,
  region?: string,
): Pick<DynamoDBClientConfig, 'region' | 'credentials'> {
  const credentialsSet = CREDENTIAL_VARIABLES.some((name) => Boolean(env[name]));
  return {
    region: region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'local'),
    ...(credentialsSet ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

/**
 * One document client per container, every call bounded (DYNAMODB_DEFAULTS, or
 * DYNAMODB_LOCAL_DEFAULTS against an endpoint); against
 * DYNAMODB_ENDPOINT, signed as endpointClientSettings says.
 */
export function makeDocumentClient({ endpoint, region, ...bounds }: DynamoOptions = {}): DynamoDBDocumentClient {
  const { requestTimeoutMs, connectionTimeoutMs, maxAttempts } = {
    ...(endpoint ? DYNAMODB_LOCAL_DEFAULTS : DYNAMODB_DEFAULTS),
    ...definedOnly(bounds),
  };
  const common = {
    maxAttempts,
    requestHandler: { requestTimeout: requestTimeoutMs, connectionTimeout: connectionTimeoutMs, throwOnRequestTimeout: true },
  };
  const client = new DynamoDBClient(
    endpoint ? { ...common, endpoint, ...endpointClientSettings(process.env, region) } : { ...common, region },
  );
  // The SDK's logger middleware masks every input and output for a log line; with no logger
  // configured (none is: failures surface as errors, logged by the handlers) the line goes
  // nowhere, yet the masking walks the whole command on every call (docs/performance.md).
  client.middlewareStack.remove('loggerMiddleware');
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The items with these keys (BatchGetItem, 100 keys a call, unprocessed keys asked again), in no particular order; missing ones left out. */
export async function getMany<T>(db: DynamoDBDocumentClient, tableName: string, keys: Record<string, unknown>[]): Promise<T[]> {
  const found: T[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(start, start + 100);
    for (let round = 0; pending?.length; round += 1) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
      const result = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }));
      found.push(...((result.Responses?.[tableName] ?? []) as T[]));
      pending = result.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return found;
}

/**
 * The items of a table, or of one of its indexes, whose partition key `name` is `value`: one
 * Query, one page (`limit` items at most, else DynamoDB's 1 MB), for a key few items share
 * (the cash-out a Stripe payout belongs to, the recipients of one connected account).
 */
export async function queryKey<T>(
  db: DynamoDBDocumentClient,
  where: { tableName: string; indexName?: string; limit?: number },
  name: string,
  value: string,
): Promise<T[]> {
  const result = await db.send(
    new QueryCommand({
      TableName: where.tableName,
      ...(where.indexName ? { IndexName: where.indexName } : {}),
      KeyConditionExpression: '#key = :value',
      ExpressionAttributeNames: { '#key': name },
      ExpressionAttributeValues: { ':value': value },
      ...(where.limit ? { Limit: where.limit } : {}),
    }),
  );
  return (result.Items ?? []) as T[];
}

/**
 * Every item a Query finds, page after page (the SDK's own paginator), stopping once `max`
 * items are in hand: for lists a person reads (a subject's history, the Stripe sources).
 */
export async function queryAll<T>(db: DynamoDBDocumentClient, input: QueryCommandInput, max = Number.POSITIVE_INFINITY): Promise<T[]> {
  const items: T[] = [];
  for await (const page of paginateQuery({ client: db }, input)) {
    items.push(...((page.Items ?? []) as T[]));
    if (items.length >= max) break;
  }
  return items.slice(0, max);
}

/** As the document client marshals (makeDocumentClient). */
const MARSHALL = { removeUndefinedValues: true } as const;

/**
 * An UpdateItem written as UpdateCommand takes it (plain values), sent as the low-level command
 * on the same client: the key and values marshalled here, the old item (`ReturnValues`)
 * unmarshalled, as the document client would. It is the one write of every new event, and the
 * document client's own layer around it (a second command, its marshalling middleware) is
 * work on every one of them (docs/performance.md). A refusal throws as UpdateCommand's does,
 * its item read with oldItemOf.
 */
export async function updateItem(db: DynamoDBDocumentClient, input: UpdateCommandInput): Promise<Record<string, unknown> | undefined> {
  const { Key, ExpressionAttributeValues, ...rest } = input;
  const result = await db.send(
    new UpdateItemCommand({
      ...rest,
      Key: marshall(Key, MARSHALL),
      ...(ExpressionAttributeValues ? { ExpressionAttributeValues: marshall(ExpressionAttributeValues, MARSHALL) } : {}),
    }),
  );
  return result.Attributes ? unmarshall(result.Attributes) : undefined;
}

/** The item as it was when a conditional write was refused (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`); undefined when there was none. */
export function oldItemOf<T>(error: unknown): T | undefined {
  const item = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
  return item ? (unmarshall(item) as T) : undefined;
}

/**
 * Builds the `SET` and `REMOVE` clauses of a DynamoDB update from plain fields. Field names go
 * through placeholders (`#u0`), never into the expression's text: they may be reserved words
 * (`status`) or a provider's own names. `undefined` leaves a field alone; `null` removes it.
 */
export interface FieldUpdate {
  /** `SET …` clauses, without the keyword, to join with others' (`extra` sets, `if_not_exists`). */
  sets: string[];
  /** `REMOVE …` clauses, without the keyword. */
  removes: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export function fieldUpdate(fields: Record<string, unknown>, prefix = 'u'): FieldUpdate {
  const update: FieldUpdate = { sets: [], removes: [], names: {}, values: {} };
  Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .forEach(([name, value], index) => {
      const placeholder = `${prefix}${index}`;
      update.names[`#${placeholder}`] = name;
      if (value === null) {
        update.removes.push(`#${placeholder}`);
        return;
      }
      update.values[`:${placeholder}`] = value;
      update.sets.push(`#${placeholder} = :${placeholder}`);
    });
  return update;
}

/** The whole `UpdateExpression`: `SET a, b REMOVE c`, or '' when there is nothing to do. */
export function updateExpression(update: Pick<FieldUpdate, 'sets' | 'removes'>): string {
  return [update.sets.length ? `SET ${update.sets.join(', ')}` : '', update.removes.length ? `REMOVE ${update.removes.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
}

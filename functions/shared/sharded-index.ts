import { createHash } from 'node:crypto';
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * An index whose partition key is written as `<value>#<n>`, n from a hash of the item's id,
 * so the items of one value (a status, a kind) spread over `shards` partition key values and
 * not one partition's 1,000 write units a second. Readers ask every shard and merge by the
 * sort key: the same order one query of an unsharded index gave.
 */
export interface ShardedIndex {
  indexName: string;
  /** The attribute holding `<value>#<n>`. */
  keyName: string;
  /** Fixed per deployment: a changed count leaves items under shards readers no longer ask. */
  shards: number;
}

/** Which of `shards` a key falls in: the first 4 bytes of its MD5 (spread, not secrecy). */
export function shardOf(key: string, shards: number): number {
  return createHash('md5').update(key).digest().readUInt32BE(0) % shards;
}

/** The index's partition key value for the item `id` under `value`. */
export function shardKey(index: ShardedIndex, value: string, id: string): string {
  return `${value}#${shardOf(id, index.shards)}`;
}

export interface ShardQuery {
  tableName: string;
  value: string;
  /** A condition on the sort key (`<name> >= :from`…), with its values. */
  range?: { expression?: string; values?: Record<string, unknown> };
  filter?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> };
}

/** One Query per shard of `value`; together they read what one query of an unsharded index read. */
export function shardQueries(index: ShardedIndex, query: ShardQuery): QueryCommandInput[] {
  return Array.from({ length: index.shards }, (_, shard) => ({
    TableName: query.tableName,
    IndexName: index.indexName,
    KeyConditionExpression: [`${index.keyName} = :shard`, query.range?.expression].filter(Boolean).join(' AND '),
    FilterExpression: query.filter?.expression,
    ...(query.filter?.names && Object.keys(query.filter.names).length ? { ExpressionAttributeNames: query.filter.names } : {}),
    ExpressionAttributeValues: { ':shard': `${query.value}#${shard}`, ...query.range?.values, ...query.filter?.values },
  }));
}

/**
 * Every item the queries return, merged by `sortOf` (oldest first, or newest first), reading
 * each query page by page only as the merge needs it: a caller that stops early reads little
 * more than it used.
 */
export async function* mergeByTime<T>(
  db: DynamoDBDocumentClient,
  queries: QueryCommandInput[],
  sortOf: (item: T) => string,
  newestFirst = false,
  pageSize = 100,
): AsyncGenerator<T> {
  // Pages of `pageSize`: a shard's first page is read before the merge knows it needs it (DynamoDB's own page is up to 1 MB).
  const streams = queries.map((input) => pages<T>(db, { Limit: pageSize, ...input, ScanIndexForward: !newestFirst }));
  const heads = await Promise.all(streams.map((stream) => stream.next()));
  const before = (a: T, b: T) => (newestFirst ? sortOf(a) > sortOf(b) : sortOf(a) < sortOf(b));
  for (;;) {
    let pick = -1;
    heads.forEach((head, index) => {
      if (!head.done && (pick < 0 || before(head.value, (heads[pick] as IteratorYieldResult<T>).value))) pick = index;
    });
    if (pick < 0) return;
    yield (heads[pick] as IteratorYieldResult<T>).value;
    heads[pick] = await streams[pick]!.next();
  }
}

async function* pages<T>(db: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<T> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    yield* (page.Items ?? []) as T[];
    start = page.LastEvaluatedKey;
  } while (start);
}

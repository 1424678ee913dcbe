import { createHash } from 'node:crypto';
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * The ledger's index by status, with writes spread: its partition key is `statusShard`,
 * `<status>#<n>` with n from a hash of the cash-out id, so one status (all of today's
 * `processing` claims, say) is STATUS_SHARDS partition key values and not one partition's
 * 1,000 write units a second. Readers ask every shard and merge by `updatedAt`
 * (itemsByStatus): the same order one query of an unsharded index gave.
 */
export const STATUS_INDEX = 'byStatusShard';

/**
 * Fixed per deployment: an item's shard is written with its status, so a changed count would
 * leave items under shards readers no longer ask (more shards: rewrite `statusShard` on every
 * item first; the capacity model, `npm run bench -- --capacity`, says when more are needed).
 */
export const STATUS_SHARDS = 8;

/** Which of `shards` a key falls in: the first 4 bytes of its MD5 (spread, not secrecy). */
export function shardOf(key: string, shards: number = STATUS_SHARDS): number {
  return createHash('md5').update(key).digest().readUInt32BE(0) % shards;
}

/** The index's partition key value for an item at this status. */
export function statusShard(cashOutId: string, status: string): string {
  return `${status}#${shardOf(cashOutId)}`;
}

/** What every write that sets a ledger item's status sets with it. */
export function statusFields<S extends string>(cashOutId: string, status: S): { status: S; statusShard: string } {
  return { status, statusShard: statusShard(cashOutId, status) };
}

/**
 * One Query per shard of `status` on the index, for readers that page or count themselves (the
 * console): `range` bounds `updatedAt`, `filter` the items. Together they read what one query
 * of an unsharded index read.
 */
export function statusShardQueries(
  tableName: string,
  status: string,
  range: { expression?: string; values?: Record<string, unknown> },
  filter?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): QueryCommandInput[] {
  return Array.from({ length: STATUS_SHARDS }, (_, shard) => ({
    TableName: tableName,
    IndexName: STATUS_INDEX,
    KeyConditionExpression: ['statusShard = :shard', range.expression].filter(Boolean).join(' AND '),
    FilterExpression: filter?.expression,
    ...(filter?.names && Object.keys(filter.names).length ? { ExpressionAttributeNames: filter.names } : {}),
    ExpressionAttributeValues: { ':shard': `${status}#${shard}`, ...range.values, ...filter?.values },
  }));
}

export interface StatusQuery {
  tableName: string;
  status: string;
  /** ISO timestamps: only items updated at or before / at or after it (one of the two). */
  before?: string;
  after?: string;
  /** A FilterExpression over the items, with its own names and values. */
  filter?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
  /** Newest first (as the operator lists them); oldest first otherwise. */
  newestFirst?: boolean;
}

/**
 * Every item at `status`, in `updatedAt` order (oldest first, or newest first), as one query of
 * an unsharded index returned them: one query per shard, read page by page as the merge needs
 * them, so a caller that stops early reads little more than it used.
 */
export async function* itemsByStatus<T extends { updatedAt: string }>(db: DynamoDBDocumentClient, query: StatusQuery): AsyncGenerator<T> {
  const key = ['statusShard = :shard'];
  const values: Record<string, unknown> = { ...query.values };
  if (query.before) {
    key.push('updatedAt <= :before');
    values[':before'] = query.before;
  } else if (query.after) {
    key.push('updatedAt >= :after');
    values[':after'] = query.after;
  }
  const input = (shard: number): QueryCommandInput => ({
    TableName: query.tableName,
    IndexName: STATUS_INDEX,
    KeyConditionExpression: key.join(' AND '),
    FilterExpression: query.filter,
    ExpressionAttributeNames: query.names && Object.keys(query.names).length ? query.names : undefined,
    ExpressionAttributeValues: { ...values, ':shard': `${query.status}#${shard}` },
    ScanIndexForward: !query.newestFirst,
  });
  const shards = Array.from({ length: STATUS_SHARDS }, (_, shard) => pages<T>(db, input(shard)));
  const heads = await Promise.all(shards.map((shard) => shard.next()));
  const before = (a: T, b: T) => (query.newestFirst ? a.updatedAt > b.updatedAt : a.updatedAt < b.updatedAt);
  for (;;) {
    let pick = -1;
    heads.forEach((head, index) => {
      if (!head.done && (pick < 0 || before(head.value, (heads[pick] as IteratorYieldResult<T>).value))) pick = index;
    });
    if (pick < 0) return;
    yield (heads[pick] as IteratorYieldResult<T>).value;
    heads[pick] = await shards[pick]!.next();
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

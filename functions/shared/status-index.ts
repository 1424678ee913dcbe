import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mergeByTime, shardOf as shardOfKey, shardQueries, type ShardedIndex } from './sharded-index.js';

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

const INDEX: ShardedIndex = { indexName: STATUS_INDEX, keyName: 'statusShard', shards: STATUS_SHARDS };

/** Which of `shards` a key falls in: the first 4 bytes of its MD5 (spread, not secrecy). */
export function shardOf(key: string, shards: number = STATUS_SHARDS): number {
  return shardOfKey(key, shards);
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
  return shardQueries(INDEX, { tableName, value: status, range, filter });
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
  const values: Record<string, unknown> = {};
  let range: string | undefined;
  if (query.before) {
    range = 'updatedAt <= :before';
    values[':before'] = query.before;
  } else if (query.after) {
    range = 'updatedAt >= :after';
    values[':after'] = query.after;
  }
  const filter = query.filter ? { expression: query.filter, names: query.names, values: query.values } : undefined;
  yield* mergeByTime<T>(
    db,
    statusShardQueries(query.tableName, query.status, { expression: range, values }, filter),
    (item) => item.updatedAt,
    query.newestFirst,
  );
}

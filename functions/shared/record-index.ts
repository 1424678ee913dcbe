import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mergeByTime, shardKey, shardQueries, type ShardQuery, type ShardedIndex } from './sharded-index.js';

/**
 * The records table's index by kind, with writes spread: its partition key is `kindShard`,
 * `<kind>#<n>` with n from a hash of the record's id, its sort key `updatedAt` (the last
 * write). Every payment of the Stripe route is a `transaction`: unsharded, that was one
 * partition key value, one partition's 1,000 write units a second for the whole deployment.
 * Readers ask every shard of a kind and merge by `updatedAt` (recordsByKind).
 */
export const RECORDS_INDEX = 'byKindShard';

/** Fixed per deployment, as STATUS_SHARDS is: a record's shard is written with it. */
export const RECORD_SHARDS = 8;

/**
 * What the index copies besides its keys (and the table's: `id`, `kind`): what the operator
 * lists and filters on, the keys of the events a record keeps (to find a record by an event
 * id), and when it was first written (to skip records too new for a page of older events).
 * Never a record's history (it holds raw bodies): an index write costs by the size of what it
 * copies.
 */
export const RECORD_LISTING_FIELDS = [
  'status',
  'provider',
  'sourceId',
  'amount',
  'currency',
  'anomaly',
  'cashOutId',
  'eventKeys',
  'firstSeenAt',
  'firstReceivedAt',
];

const INDEX: ShardedIndex = { indexName: RECORDS_INDEX, keyName: 'kindShard', shards: RECORD_SHARDS };

/** The index's partition key value for a record: written by every writer of the records table. */
export function kindShard(kind: string, id: string): string {
  return shardKey(INDEX, kind, id);
}

/** One Query per shard of `kind`: for readers that page themselves (the console). */
export function recordShardQueries(query: ShardQuery): QueryCommandInput[] {
  return shardQueries(INDEX, query);
}

/** Every record of `kind` (the index's fields), newest `updatedAt` first, across every shard. */
export function recordsByKind<T extends { updatedAt: string }>(db: DynamoDBDocumentClient, query: ShardQuery): AsyncGenerator<T> {
  return mergeByTime<T>(db, recordShardQueries(query), (item) => item.updatedAt, true);
}

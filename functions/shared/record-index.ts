import { shardKey, type ShardedIndex } from './sharded-index.js';

/**
 * The records table's index by kind, with writes spread: its partition key is `kindShard`,
 * `<kind>#<n>` with n from a hash of the record's id, its sort key `updatedAt` (the last
 * write). Every payment of the Stripe route is a `transaction`: unsharded, that was one
 * partition key value, one partition's 1,000 write units a second for the whole deployment.
 * Readers (the operator's) ask every shard of a kind and merge by `updatedAt`.
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

/** The index as its readers query it: one Query per shard. */
export const RECORDS_BY_KIND: ShardedIndex = { indexName: RECORDS_INDEX, keyName: 'kindShard', shards: RECORD_SHARDS };

/** The index's partition key value for a record: written by every writer of the records table. */
export function kindShard(kind: string, id: string): string {
  return shardKey(RECORDS_BY_KIND, kind, id);
}

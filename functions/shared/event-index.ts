import { shardKey, type ShardedIndex } from './sharded-index.js';

/**
 * The events table's index by provider and time, with writes spread: its partition key is
 * `providerShard`, `<provider>#<n>` with n from a hash of the event key (unsharded, every
 * event of a provider was one partition key value). The console reads every shard.
 */
export const EVENTS_INDEX = 'byProviderShard';

/** Fixed per deployment, as STATUS_SHARDS is. */
export const EVENT_SHARDS = 8;

/** The index as its readers (the operator's) query it: one Query per shard. */
export const EVENTS_BY_PROVIDER: ShardedIndex = { indexName: EVENTS_INDEX, keyName: 'providerShard', shards: EVENT_SHARDS };

/** Written with every item of the events table. */
export function providerShard(provider: string, eventKey: string): string {
  return shardKey(EVENTS_BY_PROVIDER, provider, eventKey);
}

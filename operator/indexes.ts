/**
 * The operator's reads of the sharded indexes the routes write (the layouts, and the keys every
 * writer sets, stay with the routes in functions/shared/).
 */
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { EVENTS_BY_PROVIDER } from '../functions/shared/event-index.js';
import { RECORDS_BY_KIND } from '../functions/shared/record-index.js';
import { mergeByTime, shardQueries, type ShardQuery } from '../functions/shared/sharded-index.js';

/** One Query per shard of a provider's events. */
export function eventShardQueries(query: ShardQuery): QueryCommandInput[] {
  return shardQueries(EVENTS_BY_PROVIDER, query);
}

/** One Query per shard of `kind`: for readers that page themselves (the console). */
export function recordShardQueries(query: ShardQuery): QueryCommandInput[] {
  return shardQueries(RECORDS_BY_KIND, query);
}

/** Every record of `kind` (the index's fields), newest `updatedAt` first, across every shard. */
export function recordsByKind<T extends { updatedAt: string }>(db: DynamoDBDocumentClient, query: ShardQuery): AsyncGenerator<T> {
  return mergeByTime<T>(db, recordShardQueries(query), (item) => item.updatedAt, true);
}

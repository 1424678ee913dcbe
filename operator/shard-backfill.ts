import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../functions/shared/dynamodb.js';
import { providerShard } from '../functions/shared/event-index.js';
import { kindShard } from '../functions/shared/record-index.js';
import { statusShard } from '../functions/shared/status-index.js';

/** The tables whose indexes are sharded. */
export interface ShardedTables {
  ledger: string;
  records: string;
  events: string;
}

/** How many items of each table were given their shard. */
export type BackfillCounts = Record<keyof ShardedTables, number>;

interface Backfill {
  /** The index's partition key attribute. */
  shard: string;
  /** The attribute the shard is of (a status, a kind, a provider): the write requires it unchanged. */
  value: string;
  keyOf: (item: Record<string, unknown>) => Record<string, unknown>;
  shardOf: (item: Record<string, unknown>) => string;
}

const str = (value: unknown) => String(value);

const BACKFILLS: Record<keyof ShardedTables, Backfill> = {
  ledger: {
    shard: 'statusShard',
    value: 'status',
    keyOf: (item) => ({ cashOutId: item.cashOutId }),
    shardOf: (item) => statusShard(str(item.cashOutId), str(item.status)),
  },
  records: {
    shard: 'kindShard',
    value: 'kind',
    keyOf: (item) => ({ id: item.id, kind: item.kind }),
    shardOf: (item) => kindShard(str(item.kind), str(item.id)),
  },
  events: {
    shard: 'providerShard',
    value: 'provider',
    keyOf: (item) => ({ eventKey: item.eventKey }),
    shardOf: (item) => providerShard(str(item.provider), str(item.eventKey)),
  },
};

/**
 * Gives every item written before the indexes were sharded (a stack deployed before them) its
 * shard attribute, so the sharded indexes hold it: until then reconciliation, catch-up, the
 * console and `payouts list` do not see it (an open cash-out nobody reconciles). One scan per
 * table, once, after the upgrade; each write is conditional (no shard yet, the same status or
 * kind), so a writer that moved the item meanwhile, and wrote its shard, is never overwritten.
 * Running it again changes nothing.
 */
export async function backfillShards(db: DynamoDBDocumentClient, tables: ShardedTables): Promise<BackfillCounts> {
  const counts: BackfillCounts = { ledger: 0, records: 0, events: 0 };
  for (const table of Object.keys(BACKFILLS) as (keyof ShardedTables)[]) {
    const backfill = BACKFILLS[table];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: tables[table],
          FilterExpression: 'attribute_not_exists(#shard) AND attribute_exists(#value)',
          ExpressionAttributeNames: { '#shard': backfill.shard, '#value': backfill.value },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) {
        if (await writeShard(db, tables[table], backfill, item)) counts[table] += 1;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return counts;
}

async function writeShard(
  db: DynamoDBDocumentClient,
  tableName: string,
  backfill: Backfill,
  item: Record<string, unknown>,
): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: backfill.keyOf(item),
        UpdateExpression: 'SET #shard = :shard',
        ConditionExpression: 'attribute_not_exists(#shard) AND #value = :value',
        ExpressionAttributeNames: { '#shard': backfill.shard, '#value': backfill.value },
        ExpressionAttributeValues: { ':shard': backfill.shardOf(item), ':value': item[backfill.value] },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

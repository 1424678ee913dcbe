import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type AttributeDefinition,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDefinition } from '../infra/tables.js';

export type TableNames = Record<TableDefinition['id'], string>;

export function tableNames(prefix: string): TableNames {
  return Object.fromEntries(TABLES.map((table) => [table.id, `${prefix}-${table.id}`])) as TableNames;
}

/**
 * Creates the stack's tables in DynamoDB Local (or anywhere), leaving existing ones alone.
 * `indexes: false`: the same tables without their secondary indexes (the benchmark's second warm
 * group, bench/context.ts).
 */
export async function createTables(
  client: DynamoDBClient,
  names: TableNames,
  { indexes = true }: { indexes?: boolean } = {},
): Promise<void> {
  for (const definition of TABLES) {
    const table = indexes ? definition : { ...definition, indexes: [] };
    const name = names[table.id];
    try {
      await client.send(new DescribeTableCommand({ TableName: name }));
      continue;
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ResourceNotFoundException') throw error;
    }
    const attributes = new Map<string, AttributeDefinition>();
    const add = (key?: { name: string; type: 'S' | 'N' }) =>
      key && attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
    add(table.partitionKey);
    add(table.sortKey);
    table.indexes.forEach((index) => {
      add(index.partitionKey);
      add(index.sortKey);
    });
    const keySchema = (partition: { name: string }, sort?: { name: string }) => [
      { AttributeName: partition.name, KeyType: 'HASH' as const },
      ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' as const }] : []),
    ];
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes.values()],
        KeySchema: keySchema(table.partitionKey, table.sortKey),
        GlobalSecondaryIndexes: table.indexes.length
          ? table.indexes.map((index) => ({
              IndexName: index.name,
              KeySchema: keySchema(index.partitionKey, index.sortKey),
              Projection: index.include
                ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: index.include }
                : { ProjectionType: 'ALL' as const },
            }))
          : undefined,
      }),
    );
    if (table.timeToLiveAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  }
}

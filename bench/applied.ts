import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * What a target has applied, read back from its own table after a run: one key per event
 * applied, as many times as it was applied (bench/load.ts counts them).
 */
export interface AppliedReader {
  /** The key under which the target records the event this request carries. */
  eventKeyOf(body: string): string;
  applied(): Promise<string[]>;
}

/** Every item of a table (the projection given), page by page. */
export async function scanAll(db: DynamoDBDocumentClient, tableName: string, projection: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: db }, { TableName: tableName, ProjectionExpression: projection }))
    items.push(...(page.Items ?? []));
  return items;
}

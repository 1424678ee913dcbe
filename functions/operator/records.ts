import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../shared/errors.js';
import type { Page } from './paging.js';

/** Every kind of record the Stripe and Just Wallet routes keep, in the order the console offers them. */
export const RECORD_KINDS = [
  'transaction',
  'refund',
  'dispute',
  'early_fraud_warning',
  'just_wallet_payout',
  'just_wallet_funding',
  'just_wallet_quote',
  'payout',
  'transfer',
  'checkout_session',
  'file',
  'report_run',
  'report_type',
] as const;
export type RecordKindName = (typeof RECORD_KINDS)[number];

/** A record as stored; its fields depend on its kind and provider. */
export type RecordItem = { id: string; kind: string; status: string } & Record<string, unknown>;

/**
 * The records table as the console reads it: one kind at a time through `byKindStatus`
 * (ordered by status, then as DynamoDB keeps them), or one record by id and kind.
 */
export class RecordReads {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(id: string, kind: string): Promise<RecordItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { id, kind }, ConsistentRead: true }));
    return result.Item as RecordItem | undefined;
  }

  async list(filter: { kind: RecordKindName; status?: string }, page: { limit: number; cursor?: string }): Promise<Page<RecordItem>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byKindStatus',
        KeyConditionExpression: filter.status ? 'kind = :kind AND #status = :status' : 'kind = :kind',
        ...(filter.status ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: { ':kind': filter.kind, ...(filter.status ? { ':status': filter.status } : {}) },
        Limit: page.limit,
        ExclusiveStartKey: decodeStartKey(page.cursor, filter.kind),
      }),
    );
    const next = result.LastEvaluatedKey ? Buffer.from(JSON.stringify(result.LastEvaluatedKey), 'utf8').toString('base64url') : undefined;
    return { items: (result.Items ?? []) as RecordItem[], next };
  }
}

/** DynamoDB's own page key, as handed out; refused unless it is one (strings only, of this kind). */
function decodeStartKey(cursor: string | undefined, kind: string): Record<string, string> | undefined {
  if (!cursor) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Exactly the index's page key: the table's (id, kind) and the index's (kind, status).
    const names = key && typeof key === 'object' ? Object.keys(key).sort().join(',') : '';
    if (names === 'id,kind,status' && Object.values(key as object).every((value) => typeof value === 'string') && (key as { kind?: string }).kind === kind) return key as Record<string, string>;
  } catch {
    // Falls through to the refusal below.
  }
  throw new ValidationError('bad_cursor', 'The page cursor is not one this console gave out for this kind; start from the first page.');
}

import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, queryAll } from '../shared/dynamodb.js';

/**
 * A merchant source as the sources table keeps it (its secrets are elsewhere: see
 * source-secrets.ts). Read on every request, so disabling or enabling takes effect at once.
 */
export interface StripeSource {
  provider: 'stripe';
  sourceId: string;
  status: 'enabled' | 'disabled';
  /** Whether its secret holds an API key that can read its events (catch-up, historical import). */
  hasApiKey: boolean;
  /** Goes up each time its secret is written; a cached secret of an older version is fetched again. */
  secretVersion: number;
  createdAt: string;
  updatedAt: string;
  rotatedAt?: string;
  disabledAt?: string;
}

const PROVIDER = 'stripe';

export class SourceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(sourceId: string): Promise<StripeSource | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { provider: PROVIDER, sourceId }, ConsistentRead: true }),
    );
    return result.Item as StripeSource | undefined;
  }

  /** Every Stripe source, by id: one Query on the provider's partition. */
  async list(): Promise<StripeSource[]> {
    return queryAll<StripeSource>(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'provider = :provider',
      ExpressionAttributeValues: { ':provider': PROVIDER },
      ConsistentRead: true,
    });
  }

  /** A new, enabled source; undefined when the id is taken. */
  async create(sourceId: string, hasApiKey: boolean, now: Date): Promise<StripeSource | undefined> {
    const source: StripeSource = {
      provider: PROVIDER,
      sourceId,
      status: 'enabled',
      hasApiKey,
      secretVersion: 1,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    try {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: source, ConditionExpression: 'attribute_not_exists(sourceId)' }),
      );
      return source;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /** Records that its secret was written again; undefined when there is no such source. */
  rotated(sourceId: string, hasApiKey: boolean, now: Date): Promise<StripeSource | undefined> {
    return this.update(sourceId, 'SET hasApiKey = :key, rotatedAt = :now, updatedAt = :now ADD secretVersion :one', {
      ':key': hasApiKey,
      ':now': now.toISOString(),
      ':one': 1,
    });
  }

  setStatus(sourceId: string, status: StripeSource['status'], now: Date): Promise<StripeSource | undefined> {
    return status === 'disabled'
      ? this.update(sourceId, 'SET #status = :status, disabledAt = :now, updatedAt = :now', {
          ':status': status,
          ':now': now.toISOString(),
        })
      : this.update(sourceId, 'SET #status = :status, updatedAt = :now REMOVE disabledAt', {
          ':status': status,
          ':now': now.toISOString(),
        });
  }

  async delete(sourceId: string): Promise<boolean> {
    const result = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { provider: PROVIDER, sourceId }, ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes !== undefined;
  }

  private async update(sourceId: string, expression: string, values: Record<string, unknown>): Promise<StripeSource | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { provider: PROVIDER, sourceId },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(sourceId)',
          ...(expression.includes('#status') ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes as StripeSource;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}

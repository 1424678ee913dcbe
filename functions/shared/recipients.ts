import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, queryKey } from './dynamodb.js';

/** Who gets paid: a Village user's email mapped to their Stripe connected account. */
export interface Recipient {
  email: string;
  accountId: string;
  /** Last known from Stripe `account.updated`; undefined until an event says. */
  payoutsEnabled?: boolean;
  /** `created` (unix seconds) of the Stripe event that last set `payoutsEnabled`. */
  accountEventCreated?: number;
  updatedAt: string;
}

export const ACCOUNT_ID = /^acct_[A-Za-z0-9]+$/;

/** Emails are matched case-insensitively and without surrounding spaces. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class RecipientStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(email: string): Promise<Recipient | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { email: normaliseEmail(email) }, ConsistentRead: true }),
    );
    return result.Item as Recipient | undefined;
  }

  async put(email: string, accountId: string, now: Date): Promise<Recipient> {
    return (await this.replace(email, accountId, now)).recipient;
  }

  /** `put`, saying what it replaced: the mapping the email had before, if any (read in the same write). */
  async replace(email: string, accountId: string, now: Date): Promise<{ recipient: Recipient; previous?: Recipient }> {
    if (!ACCOUNT_ID.test(accountId)) throw new Error(`${accountId} is not a Stripe connected account id (acct_…).`);
    const recipient: Recipient = { email: normaliseEmail(email), accountId, updatedAt: now.toISOString() };
    const result = await this.db.send(new PutCommand({ TableName: this.tableName, Item: recipient, ReturnValues: 'ALL_OLD' }));
    return { recipient, previous: result.Attributes as Recipient | undefined };
  }

  async delete(email: string): Promise<boolean> {
    const result = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { email: normaliseEmail(email) }, ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes !== undefined;
  }

  async list(): Promise<Recipient[]> {
    const items: Recipient[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start }));
      items.push(...((page.Items ?? []) as Recipient[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => a.email.localeCompare(b.email));
  }

  /**
   * Records whether an account can receive payouts, from a Stripe `account.updated` event,
   * on every recipient using that account. A redelivered older event changes nothing: the
   * write is conditional on the event being no older than the one last applied (`created` is
   * in whole seconds, so of two events in one second the later arrival wins).
   */
  async setPayoutsEnabled(accountId: string, payoutsEnabled: boolean, eventCreated: number, now: Date): Promise<number> {
    const holders = await queryKey<Recipient>(this.db, { tableName: this.tableName, indexName: 'byAccountId' }, 'accountId', accountId);
    let updated = 0;
    for (const recipient of holders) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { email: recipient.email },
            UpdateExpression: 'SET payoutsEnabled = :enabled, accountEventCreated = :created, updatedAt = :now',
            ConditionExpression: 'accountId = :account AND (attribute_not_exists(accountEventCreated) OR accountEventCreated <= :created)',
            ExpressionAttributeValues: {
              ':enabled': payoutsEnabled,
              ':created': eventCreated,
              ':now': now.toISOString(),
              ':account': accountId,
            },
          }),
        );
        updated += 1;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    return updated;
  }
}

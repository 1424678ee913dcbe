import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Where one list of one source's import has got to. Stripe lists newest first; an import lists
 * `created` in [since, until), `until` fixed when the list was first started, so the pages are
 * the same on every run, and goes on after the last object fully applied (`startingAfter`).
 */
export interface Checkpoint {
  /** Unix seconds: `created[gte]`. */
  since: number;
  /** Unix seconds: `created[lt]`, fixed at the first run. */
  until: number;
  /** The id of the last object applied; none before the first page. */
  startingAfter?: string;
  done: boolean;
  /** Objects applied so far over every run of this list. */
  applied: number;
  startedAt: string;
  updatedAt: string;
}

/** The partition of the sources table that holds the imports' checkpoints (the sources themselves are in `stripe`). */
export const CHECKPOINT_PROVIDER = 'stripe-import';

/** A list's name within a source's checkpoints: `charges`, or `payouts@acct_…` for a connected account's. */
export const listKey = (list: string, account?: string) => (account ? `${list}@${account}` : list);

/**
 * The checkpoints, one item per source (`provider` = `stripe-import`, `sourceId`) whose `lists`
 * map holds one Checkpoint per list: in the sources table, which the import reads anyway, with
 * no table or index of its own. One import of a source at a time.
 */
export class CheckpointStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async read(sourceId: string): Promise<Record<string, Checkpoint>> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { provider: CHECKPOINT_PROVIDER, sourceId }, ConsistentRead: true }),
    );
    return (result.Item?.lists as Record<string, Checkpoint> | undefined) ?? {};
  }

  async save(sourceId: string, key: string, checkpoint: Checkpoint): Promise<void> {
    // The map must exist before one of its entries can be set (DynamoDB refuses both paths in one update).
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { provider: CHECKPOINT_PROVIDER, sourceId },
        UpdateExpression: 'SET lists = if_not_exists(lists, :empty)',
        ExpressionAttributeValues: { ':empty': {} },
      }),
    );
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { provider: CHECKPOINT_PROVIDER, sourceId },
        UpdateExpression: 'SET lists.#key = :checkpoint',
        ExpressionAttributeNames: { '#key': key },
        ExpressionAttributeValues: { ':checkpoint': checkpoint },
      }),
    );
  }
}

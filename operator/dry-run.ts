import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';

type WriteInput = UpdateCommand['input'] | PutCommand['input'];
type Marshalled = Parameters<typeof unmarshall>[0];

/** Raised in place of a write's condition failure, named as DynamoDB names it, so the apply code reads it the same way. */
class DryRunConditionFailed extends Error {
  override name = 'ConditionalCheckFailedException';
  constructor(
    message: string,
    /** The item as it was (marshalled, as on DynamoDB's own refusal), when the write asked for it. */
    readonly Item?: Marshalled,
  ) {
    super(message);
  }
}

/**
 * A document client for "what would this change?": reads go to DynamoDB; a conditional write
 * becomes a ConditionCheck of the same condition on the same item (DynamoDB evaluates it, and
 * writes nothing), answering as the write would have (success, with the item as it was; or a
 * condition failure, with the item as it was when the write asked for it). The low-level
 * UpdateItemCommand (shared/dynamodb.ts updateItem) is checked the same way. Any other write is
 * refused. So the route's own apply code runs unchanged and the tables stay exactly as they were.
 */
export function dryRunClient(db: DynamoDBDocumentClient): DynamoDBDocumentClient {
  const send = async (command: unknown): Promise<unknown> => {
    if (
      command instanceof GetCommand ||
      command instanceof QueryCommand ||
      command instanceof ScanCommand ||
      command instanceof BatchGetCommand
    ) {
      return db.send(command as GetCommand);
    }
    if (command instanceof UpdateCommand || command instanceof PutCommand) return check(db, command.input);
    if (command instanceof UpdateItemCommand) return checkLowLevel(db, command);
    throw new Error(
      `A dry run writes nothing: ${(command as { constructor?: { name?: string } })?.constructor?.name ?? 'this command'} is not allowed.`,
    );
  };
  return new Proxy(db, { get: (target, property, receiver) => (property === 'send' ? send : Reflect.get(target, property, receiver)) });
}

/** The low-level command's key and values are marshalled: checked as the document client's, and answered marshalled as it would be. */
async function checkLowLevel(db: DynamoDBDocumentClient, command: UpdateItemCommand): Promise<Record<string, unknown>> {
  const { Key, ExpressionAttributeValues, ...rest } = command.input;
  // Numbers stay exact (NumberValue) on their way back through the document client's marshalling.
  const plain = (map: Marshalled) => unmarshall(map, { wrapNumbers: true }) as Record<string, NativeAttributeValue>;
  const result = await check(db, {
    ...rest,
    Key: plain(Key!),
    ...(ExpressionAttributeValues ? { ExpressionAttributeValues: plain(ExpressionAttributeValues) } : {}),
  } as UpdateCommand['input']);
  return result.Attributes ? { Attributes: marshall(result.Attributes, { removeUndefinedValues: true }) } : {};
}

async function check(db: DynamoDBDocumentClient, input: WriteInput): Promise<{ Attributes?: Record<string, unknown> }> {
  const key = 'Key' in input && input.Key ? input.Key : await keyOf(db, input.TableName!, (input as PutCommand['input']).Item!);
  if (input.ConditionExpression) {
    const used = new Set(input.ConditionExpression.match(/[#:][A-Za-z0-9_]+/g) ?? []);
    const pick = (map: Record<string, unknown> | undefined) =>
      map ? Object.fromEntries(Object.entries(map).filter(([name]) => used.has(name))) : undefined;
    const names = pick(input.ExpressionAttributeNames) as Record<string, string> | undefined;
    const values = pick(input.ExpressionAttributeValues);
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: input.TableName!,
                Key: key,
                ConditionExpression: input.ConditionExpression,
                ...(names && Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
                ...(values && Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
                ...(input.ReturnValuesOnConditionCheckFailure
                  ? { ReturnValuesOnConditionCheckFailure: input.ReturnValuesOnConditionCheckFailure }
                  : {}),
              },
            },
          ],
        }),
      );
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string; Item?: Marshalled }[] }).CancellationReasons;
      const failed = reasons?.find((reason) => reason.Code === 'ConditionalCheckFailed');
      if (failed) throw new DryRunConditionFailed('The conditional request failed (dry run)', failed.Item);
      throw error;
    }
  }
  if (input.ReturnValues === 'ALL_OLD') {
    const current = await db.send(new GetCommand({ TableName: input.TableName!, Key: key, ConsistentRead: true }));
    return { Attributes: current.Item };
  }
  if (input.ReturnValues && input.ReturnValues !== 'NONE')
    throw new Error(`A dry run cannot tell what ${input.ReturnValues} would return.`);
  return {};
}

/** A put names its key inside the item: the table's key schema says which attributes. */
async function keyOf(db: DynamoDBDocumentClient, tableName: string, item: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  const table = await db.send(new DescribeTableCommand({ TableName: tableName }));
  return Object.fromEntries((table.Table?.KeySchema ?? []).map(({ AttributeName }) => [AttributeName!, item[AttributeName!]]));
}

import { CreateTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The parts of a synthesized CloudFormation template the rehearsal reads. */
export interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

/** One function of the template: its bundle folder in the cloud assembly and its environment, as CloudFormation gives them. */
export interface TemplateFunction {
  logicalId: string;
  service: string;
  assetPath: string;
  environment: Record<string, unknown>;
  timeoutSeconds: number;
}

/** The gateway's own functions (those with a Powertools service name), each with the asset cdk deploy uploads. */
export function templateFunctions(template: Template): TemplateFunction[] {
  const functions: TemplateFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const environment = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof environment.POWERTOOLS_SERVICE_NAME !== 'string' || typeof assetPath !== 'string') continue;
    functions.push({
      logicalId,
      service: environment.POWERTOOLS_SERVICE_NAME,
      assetPath,
      environment,
      timeoutSeconds: Number(resource.Properties?.Timeout ?? 3),
    });
  }
  return functions;
}

/** Logical ids of the resources of one type. */
export function resourcesOfType(template: Template, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id]) => id);
}

/**
 * An intrinsic function resolved as CloudFormation would, with `refs` standing for what a
 * deployed resource's Ref (a table's name, a secret's ARN) and GetAtt Arn would be.
 */
export function resolveValue(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return lookup(String(object.Ref), refs);
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return lookup(`${id}.${attribute}`, refs);
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolveValue(part, refs)).join(separator);
  }
  if ('Fn::Select' in object) {
    const [index, list] = object['Fn::Select'] as [number, unknown];
    const items = Array.isArray(list) ? list.map((item) => resolveValue(item, refs)) : resolveList(list, refs);
    return items[Number(index)] ?? '';
  }
  if ('Fn::Sub' in object) {
    const text = object['Fn::Sub'] as string;
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => lookup(name, refs));
  }
  throw new Error(`The rehearsal cannot resolve ${JSON.stringify(value)}`);
}

function resolveList(value: unknown, refs: Record<string, string>): string[] {
  const object = value as Record<string, unknown>;
  if ('Fn::Split' in object) {
    const [separator, text] = object['Fn::Split'] as [string, unknown];
    return resolveValue(text, refs).split(separator);
  }
  throw new Error(`The rehearsal cannot resolve the list ${JSON.stringify(value)}`);
}

function lookup(name: string, refs: Record<string, string>): string {
  const found = refs[name];
  if (found === undefined) throw new Error(`The rehearsal has no local stand-in for ${name}`);
  return found;
}

/**
 * A table as the template defines it (AWS::DynamoDB::GlobalTable: keys, attributes, global
 * secondary indexes, TTL), created under a local name: the template's definition, not a copy.
 */
export async function createTemplateTable(client: DynamoDBClient, template: Template, logicalId: string, tableName: string): Promise<void> {
  const properties = template.Resources[logicalId]!.Properties as {
    KeySchema: CreateTableCommandInput['KeySchema'];
    AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
    GlobalSecondaryIndexes?: { IndexName: string; KeySchema: unknown; Projection: unknown }[];
    TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean };
  };
  const indexes = properties.GlobalSecondaryIndexes?.map((index) => ({
    IndexName: index.IndexName,
    KeySchema: index.KeySchema,
    Projection: index.Projection,
  })) as CreateTableCommandInput['GlobalSecondaryIndexes'];
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: properties.KeySchema,
      AttributeDefinitions: properties.AttributeDefinitions,
      ...(indexes && indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
    }),
  );
  const ttl = properties.TimeToLiveSpecification;
  if (ttl?.Enabled && ttl.AttributeName) {
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }),
    );
  }
}

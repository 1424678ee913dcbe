import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { TableDefinition } from './tables.js';

/**
 * The calls a function may make on a table itself (no scans, deletes or batch writes: none is
 * used); `Query` is a query on the table's own key.
 */
export type ItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'Query';

/** Exactly what one function does with one table: its item calls, and the indexes it queries. */
export interface TableAccess {
  items: readonly ItemAction[];
  /** Index names; a query on an index is authorised on the index's own ARN only. */
  queries?: readonly string[];
}

/**
 * Grants exactly `access`, instead of Table.grant, which adds the same actions on index/* of
 * every table with an index (a put on an index means nothing; a query on every index is more
 * than a function needs).
 */
export function grantTableAccess(grantee: IGrantable, table: ITableV2, definition: TableDefinition, access: TableAccess): void {
  const queries = access.queries ?? [];
  for (const index of queries) {
    if (!definition.indexes.some((candidate) => candidate.name === index))
      throw new Error(`The ${definition.id} table has no index ${index}.`);
  }
  if (access.items.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: access.items.map((action) => `dynamodb:${action}`), resources: [table.tableArn] }),
    );
  }
  if (queries.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: queries.map((index) => `${table.tableArn}/index/${index}`) }),
    );
  }
}

/** Reading a secret's value is all the functions do with it (Secret.grantRead adds DescribeSecret). */
export function grantSecretValue(grantee: IGrantable, secret: ISecret): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
  );
}

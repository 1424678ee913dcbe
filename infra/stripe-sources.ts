import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * Where the merchant sources' secrets are in Secrets Manager: one secret per source, named
 * `<stack name>/stripe-sources/<sourceId>`, written by `npm run sources` (not by the stack).
 */
export function sourceSecretPrefix(scope: Construct): string {
  return `${Stack.of(scope).stackName}/stripe-sources/`;
}

/** Read access to the secrets under the prefix, and to nothing else (Secrets Manager ARNs end in a random suffix, hence the `*`). */
export function grantSourceSecretsRead(scope: Construct, grantee: IGrantable, prefix: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [
        Stack.of(scope).formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: `${prefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  );
}

import { Aspects, Stack, Validations, type IAspect } from 'aws-cdk-lib';
import { HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag AwsSolutions findings this stack accepts, each with its reason. They are
 * acknowledged on the constructs they concern (never stack-wide), and only where the
 * construct really is what the reason describes: a wildcard that is not X-Ray's is still
 * reported. The runtime finding (AwsSolutions-L1) is not accepted: the functions run the newest
 * Node.js runtime, so an older one on any function is reported.
 */
export const NAG_REASONS = {
  webhookAuthorization:
    'Webhooks cannot carry AWS or Cognito credentials: Village, Stripe and Just Wallet authenticate each request with a signature over the raw body (HMAC or shared secret), which the handler verifies before any work.',
  manualSecretRotation:
    'Provider webhook secrets and the Stripe API key are issued by the providers and can only be rotated in their dashboards; the functions accept a current and a previous value during a rotation (see README, Configuration).',
  basicExecutionRole:
    'AWSLambdaBasicExecutionRole grants only CloudWatch Logs writes (logs:CreateLogGroup, CreateLogStream, PutLogEvents); each function logs to its own log group with explicit retention.',
  xrayWildcard:
    'X-Ray PutTraceSegments and PutTelemetryRecords take no resource ARN; "*" is the only resource they accept (active tracing).',
  sourceSecrets:
    'Merchant sources are added by the operator after deployment (npm run sources), one secret each, so their names are known only by prefix; the grant is GetSecretValue on <stack>/stripe-sources/* and nothing else.',
} as const;

const IAM4_BASIC_EXECUTION = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/** Acknowledges the accepted findings on every matching construct in the stack, including ones added later. */
export function acknowledgeNagFindings(stack: Stack): void {
  Aspects.of(stack).add(new AcknowledgeNagFindings());
}

class AcknowledgeNagFindings implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof HttpRoute) {
      Validations.of(node).acknowledge({ id: 'AwsSolutions-APIG4', reason: NAG_REASONS.webhookAuthorization });
    } else if (node instanceof Secret) {
      Validations.of(node).acknowledge({ id: 'AwsSolutions-SMG4', reason: NAG_REASONS.manualSecretRotation });
    } else if (node instanceof LambdaFunction) {
      Validations.of(node).acknowledge({ id: IAM4_BASIC_EXECUTION, reason: NAG_REASONS.basicExecutionRole });
    } else if (node instanceof CfnPolicy) {
      acknowledgePolicyWildcards(node);
    }
  }
}

interface Statement {
  Action?: string | string[];
  Resource?: unknown;
}

/**
 * The IAM5 finding of a policy whose only "*" is X-Ray's; anything else stays reported. Table
 * grants name each index they query (infra/grants.ts), so there is no index/* to accept.
 */
function acknowledgePolicyWildcards(policy: CfnPolicy): void {
  const document = Stack.of(policy).resolve(policy.policyDocument) as { Statement?: Statement[] } | undefined;
  const statements = document?.Statement ?? [];
  // One finding covers every "*" in the policy, so it is acknowledged only when all of them are X-Ray's.
  const anyResource = statements.filter((statement) => [statement.Resource ?? []].flat().includes('*'));
  if (
    anyResource.length > 0 &&
    anyResource.every((statement) => [statement.Action ?? []].flat().every((action) => action.startsWith('xray:')))
  ) {
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: NAG_REASONS.xrayWildcard });
  }
  for (const statement of statements) {
    const actions = [statement.Action ?? []].flat();
    for (const resource of [statement.Resource ?? []].flat()) {
      const arn = joinedArn(resource);
      if (
        arn &&
        /:secret:[^:*]+\/stripe-sources\/\*$/.test(arn) &&
        actions.length > 0 &&
        actions.every((action) => action === 'secretsmanager:GetSecretValue')
      ) {
        Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${arn}]`, reason: NAG_REASONS.sourceSecrets });
      }
    }
  }
}

/** An ARN built with `Fn::Join` as cdk-nag names it in a finding: each `{"Ref": X}` written `<X>`. */
function joinedArn(resource: unknown): string | undefined {
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (!join || !Array.isArray(join[1])) return undefined;
  const parts = join[1].map((part) =>
    typeof part === 'string'
      ? part
      : typeof (part as { Ref?: unknown })?.Ref === 'string'
        ? `<${(part as { Ref: string }).Ref}>`
        : undefined,
  );
  return parts.every((part) => part !== undefined) ? parts.join(join[0]) : undefined;
}

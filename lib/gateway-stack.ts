import { CfnOutput, RemovalPolicy, SecretValue, Stack, type StackProps, Duration } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { GatewayFunction } from './gateway-function.js';
import { ROUTES } from './routes.js';
import { SECRETS } from './secrets.js';
import { TABLES, tableOutputName, type TableDefinition } from './tables.js';
import { ApiHardening, apiLimitsFromContext } from './api-hardening.js';
import { Monitoring } from './monitoring.js';
import { acknowledgeNagFindings } from './nag-suppressions.js';
import { Reconciliation } from './reconciliation.js';

export interface GatewayStackProps extends StackProps {
  /** `payout` (the connected account's balance to its bank) or `transfer` (platform → connected account). */
  payoutMode?: 'payout' | 'transfer';
  villageDeadlineMs?: number;
  /** How Just Wallet's `Signature` header is checked: `secret`, `hmac` or `auto` (either). */
  justWalletSignatureMode?: 'secret' | 'hmac' | 'auto';
  /** How often the reconciliation job runs; else the `reconcileRateMinutes` context value; else 15. */
  reconcileRateMinutes?: number;
}

/** Least privilege: the item-level calls the functions make, no scans, no deletes. */
const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  readWrite: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
} as const;

const attributeType = (type: 'S' | 'N') => (type === 'S' ? AttributeType.STRING : AttributeType.NUMBER);

export class GatewayStack extends Stack {
  readonly api: HttpApi;
  readonly tables = new Map<TableDefinition['id'], TableV2>();
  readonly secrets = new Map<string, Secret>();
  readonly functions = new Map<string, GatewayFunction>();
  readonly reconciliation: Reconciliation;

  constructor(scope: Construct, id: string, props: GatewayStackProps = {}) {
    super(scope, id, props);

    for (const definition of TABLES) {
      const table = new TableV2(this, `${pascal(definition.id)}Table`, {
        partitionKey: { name: definition.partitionKey.name, type: attributeType(definition.partitionKey.type) },
        sortKey: definition.sortKey ? { name: definition.sortKey.name, type: attributeType(definition.sortKey.type) } : undefined,
        billing: Billing.onDemand(),
        encryption: TableEncryptionV2.awsManagedKey(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: definition.moneyRecords,
        removalPolicy: definition.moneyRecords ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        timeToLiveAttribute: definition.timeToLiveAttribute,
        globalSecondaryIndexes: indexesToDeploy(this, definition).map((index) => ({
          indexName: index.name,
          partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
          sortKey: index.sortKey ? { name: index.sortKey.name, type: attributeType(index.sortKey.type) } : undefined,
          ...(index.include ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: index.include } : {}),
        })),
      });
      this.tables.set(definition.id, table);
      new CfnOutput(this, tableOutputName(definition.id), { value: table.tableName, description: definition.description });
    }

    for (const definition of SECRETS) {
      const secret =
        definition.source === 'generated'
          ? new Secret(this, pascal(definition.id), {
              description: definition.description,
              generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
            })
          : new Secret(this, pascal(definition.id), {
              description: definition.description,
              // A placeholder the functions recognise and refuse to use until the operator sets the value.
              secretStringValue: SecretValue.unsafePlainText('NOT_SET'),
            });
      this.secrets.set(definition.id, secret);
      new CfnOutput(this, `${pascal(definition.id)}Name`, { value: secret.secretName, description: definition.description });
    }

    this.api = new HttpApi(this, 'WebhooksApi', { description: 'Payments webhook gateway: one route per provider' });

    for (const definition of ROUTES) {
      const environment: Record<string, string> = {
        POWERTOOLS_SERVICE_NAME: definition.id,
        STRIPE_PAYOUT_MODE: props.payoutMode ?? 'payout',
        VILLAGE_DEADLINE_MS: String(props.villageDeadlineMs ?? 8000),
        JUST_WALLET_SIGNATURE_MODE: props.justWalletSignatureMode ?? 'auto',
      };
      const fn = new GatewayFunction(this, `${pascal(definition.id)}Function`, {
        entry: definition.entry,
        description: definition.description,
        timeout: Duration.seconds(definition.timeoutSeconds),
        memorySize: definition.memoryMb,
        environment,
      });
      for (const [tableId, access] of Object.entries(definition.tables) as [TableDefinition['id'], 'read' | 'readWrite'][]) {
        const table = this.tables.get(tableId)!;
        const envName = TABLES.find((t) => t.id === tableId)!.env;
        fn.addEnvironment(envName, table.tableName);
        table.grant(fn, ...TABLE_ACTIONS[access]);
      }
      for (const secretId of definition.secrets) {
        const secret = this.secrets.get(secretId)!;
        const envName = SECRETS.find((s) => s.id === secretId)!.env;
        fn.addEnvironment(`${envName}_ARN`, secret.secretArn);
        secret.grantRead(fn);
      }
      this.functions.set(definition.id, fn);
      this.api.addRoutes({
        path: definition.path,
        methods: [HttpMethod.POST],
        integration: new HttpLambdaIntegration(`${pascal(definition.id)}Integration`, fn),
      });
      new CfnOutput(this, `${pascal(definition.id)}Url`, {
        value: `${this.api.apiEndpoint}${definition.path}`,
        description: `Webhook URL: ${definition.description}`,
      });
    }

    this.reconciliation = new Reconciliation(this, 'Reconciliation', {
      ledger: this.tables.get('ledger')!,
      stripeSecretKey: this.secrets.get('stripeSecretKey')!,
      history: this.tables.get('history'),
      rateMinutes: props.reconcileRateMinutes,
    });

    // Issue 5 hardening: stage throttling and access logs, alarms and dashboard, accepted cdk-nag findings.
    new ApiHardening(this, 'ApiHardening', { api: this.api, limits: apiLimitsFromContext(this) });
    new Monitoring(this, 'Monitoring', { api: this.api, routes: ROUTES });
    acknowledgeNagFindings(this);
  }
}

/**
 * CloudFormation adds one secondary index per table per update, so a stack deployed before a
 * table gained two is upgraded in steps: `-c eventsIndexLimit=1` deploys only the events
 * table's first index, and the next deploy without it adds the second.
 */
function indexesToDeploy(scope: Construct, definition: TableDefinition): TableDefinition['indexes'] {
  const key = `${definition.id}IndexLimit`;
  const limit = scope.node.tryGetContext(key) as string | number | undefined;
  if (limit === undefined) return definition.indexes;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${key} must be a whole number (got ${String(limit)}).`);
  return definition.indexes.slice(0, n);
}

function pascal(id: string): string {
  return id.replace(/(^|[-_])([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

import { CfnOutput, RemovalPolicy, SecretValue, Stack, type StackProps, Duration } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { GatewayFunction } from './gateway-function.js';
import { grantSecretValue, grantTableAccess, type TableAccess } from './grants.js';
import { ROUTES, route, routePaths, type RouteDefinition } from './routes.js';
import { SECRETS, secretDefinition, type SecretDefinition } from './secrets.js';
import { TABLES, tableDefinition, tableOutputName, type TableDefinition } from './tables.js';
import { ApiHardening, apiLimitsFromContext } from './api-hardening.js';
import { Monitoring } from './monitoring.js';
import { acknowledgeNagFindings } from './nag-suppressions.js';
import { checkFunctionConfig, functionSettings, FUNCTION_SETTINGS, STRIPE_MODE_OUTPUT } from './deploy-settings.js';
import { Reconciliation } from './reconciliation.js';
import { CatchUp } from './catch-up.js';
import { Reports } from './reports.js';
import { grantSourceSecretsRead, sourceSecretPrefix } from './stripe-sources.js';

/**
 * Each setting is the property given here, else the context value of the same name
 * (`cdk deploy -c payoutMode=transfer`), else the default; each is checked at synth with the
 * rules of the functions that read it (infra/deploy-settings.ts).
 */
export interface GatewayStackProps extends StackProps {
  /** `payout` (the connected account's balance to its bank) or `transfer` (platform → connected account). */
  payoutMode?: 'payout' | 'transfer';
  villageDeadlineMs?: number;
  /** How Just Wallet's `Signature` header is checked: `secret`, `hmac` or `auto` (either). */
  justWalletSignatureMode?: 'secret' | 'hmac' | 'auto';
  /** The mode of the platform's Stripe key (`live` unless stated): only Stripe events of this mode are applied, and a key of the other mode is refused. */
  stripeMode?: 'live' | 'test';
  /** How often the reconciliation job runs; else the `reconcileRateMinutes` context value; else 15. */
  reconcileRateMinutes?: number;
  /** How often the Stripe catch-up runs; else the `catchUpRateHours` context value; else 6. */
  catchUpRateHours?: number;
  /** How far back each catch-up run lists; else the `catchUpWindowHours` context value; else 72. */
  catchUpWindowHours?: number;
}

const attributeType = (type: 'S' | 'N') => (type === 'S' ? AttributeType.STRING : AttributeType.NUMBER);

export class GatewayStack extends Stack {
  readonly api: HttpApi;
  readonly tables = new Map<TableDefinition['id'], TableV2>();
  readonly secrets = new Map<string, Secret>();
  readonly functions = new Map<string, GatewayFunction>();
  readonly reconciliation: Reconciliation;
  readonly catchUp: CatchUp;
  readonly reports: Reports;

  constructor(scope: Construct, id: string, props: GatewayStackProps = {}) {
    super(scope, id, props);
    for (const definition of TABLES) this.addTable(definition);
    for (const definition of SECRETS) this.addSecret(definition);

    this.api = new HttpApi(this, 'WebhooksApi', { description: 'Payments webhook gateway: one route per provider' });
    const sourcePrefix = sourceSecretPrefix(this);
    new CfnOutput(this, 'StripeSourceSecretPrefix', {
      value: sourcePrefix,
      description: "Secrets Manager name prefix of the Stripe merchant sources' secrets (npm run sources -- … --secret-prefix)",
    });

    // Deploy-time settings (-c payoutMode=…, villageDeadlineMs=…, justWalletSignatureMode=…).
    const settings = functionSettings(this, props);
    new CfnOutput(this, STRIPE_MODE_OUTPUT, {
      value: settings[FUNCTION_SETTINGS.stripeMode.env]!,
      description:
        "The gateway's Stripe mode (-c stripeMode): the console and npm run replay apply only events of this mode, as the routes do",
    });
    for (const definition of ROUTES) this.addRoute(definition, settings, sourcePrefix);
    checkVillageDeadline(settings);
    ({
      reconciliation: this.reconciliation,
      catchUp: this.catchUp,
      reports: this.reports,
    } = this.addScheduledJobs(props, { [FUNCTION_SETTINGS.stripeMode.env]: settings[FUNCTION_SETTINGS.stripeMode.env]! }, sourcePrefix));

    // Hardening: stage throttling and access logs, alarms and dashboard, accepted cdk-nag findings.
    new ApiHardening(this, 'ApiHardening', { api: this.api, limits: apiLimitsFromContext(this) });
    new Monitoring(this, 'Monitoring', { api: this.api, routes: ROUTES });
    acknowledgeNagFindings(this);
  }

  /** A table as infra/tables.ts describes it, on demand, encrypted, recoverable; its name an output. */
  private addTable(definition: TableDefinition): void {
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

  /** A secret as infra/secrets.ts describes it: generated, or a placeholder the operator sets; its name an output. */
  private addSecret(definition: SecretDefinition): void {
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

  /** A route's function, with its tables' and secrets' names, exactly the access its code needs, and its paths on the API. */
  private addRoute(definition: RouteDefinition, settings: Record<string, string>, sourcePrefix: string): void {
    const environment: Record<string, string> = { POWERTOOLS_SERVICE_NAME: definition.id, ...settings };
    for (const tableId of Object.keys(definition.tables) as TableDefinition['id'][]) {
      environment[tableDefinition(tableId).env] = this.tables.get(tableId)!.tableName;
    }
    for (const secretId of definition.secrets) {
      environment[`${secretDefinition(secretId).env}_ARN`] = this.secrets.get(secretId)!.secretArn;
    }
    if (definition.sourceSecrets) environment.STRIPE_SOURCE_SECRET_PREFIX = sourcePrefix;
    // What the function would refuse at cold start stops the synth, naming the setting.
    checkFunctionConfig(definition.id, environment, definition.readConfig);
    const fn = new GatewayFunction(this, `${pascal(definition.id)}Function`, {
      entry: definition.entry,
      description: definition.description,
      timeout: Duration.seconds(definition.timeoutSeconds),
      memorySize: definition.memoryMb,
      environment,
    });
    // Least privilege: exactly the calls the route's code makes (infra/routes.ts), per table and index.
    for (const [tableId, access] of Object.entries(definition.tables) as [TableDefinition['id'], TableAccess][]) {
      grantTableAccess(fn, this.tables.get(tableId)!, tableDefinition(tableId), access);
    }
    for (const secretId of definition.secrets) grantSecretValue(fn, this.secrets.get(secretId)!);
    if (definition.sourceSecrets) grantSourceSecretsRead(this, fn, sourcePrefix);
    this.functions.set(definition.id, fn);
    const integration = new HttpLambdaIntegration(`${pascal(definition.id)}Integration`, fn);
    for (const routePath of routePaths(definition)) this.api.addRoutes({ path: routePath, methods: [HttpMethod.POST], integration });
    new CfnOutput(this, `${pascal(definition.id)}Url`, {
      value: `${this.api.apiEndpoint}${definition.path}`,
      description: `Webhook URL: ${definition.description}`,
    });
  }

  /** Reconciliation, catch-up and the reports job, each on the tables it uses, with the stack's Stripe mode. */
  private addScheduledJobs(props: GatewayStackProps, environment: Record<string, string>, sourcePrefix: string) {
    const table = (id: TableDefinition['id']) => this.tables.get(id)!;
    const stripeSecretKey = this.secrets.get('stripeSecretKey')!;
    const reconciliation = new Reconciliation(this, 'Reconciliation', {
      ledger: table('ledger'),
      stripeSecretKey,
      history: this.tables.get('history'),
      usage: this.tables.get('usage'),
      rateMinutes: props.reconcileRateMinutes,
      environment,
    });
    const catchUp = new CatchUp(this, 'CatchUp', {
      tables: {
        ledger: table('ledger'),
        recipients: table('recipients'),
        events: table('events'),
        records: table('records'),
        sources: table('sources'),
        usage: table('usage'),
      },
      stripeSecretKey,
      sourceSecretPrefix: sourcePrefix,
      rateHours: props.catchUpRateHours,
      windowHours: props.catchUpWindowHours,
      environment,
    });
    const reports = new Reports(this, 'Reports', {
      tables: { ledger: table('ledger'), records: table('records'), sources: table('sources') },
      stripeSecretKey,
      sourceSecretPrefix: sourcePrefix,
      environment,
    });
    new CfnOutput(this, 'CatchUpFunctionName', {
      value: catchUp.fn.functionName,
      description: 'Stripe catch-up; invoke with {"since": "30d", "sourceId": "<id>"} for a historical import',
    });
    return { reconciliation, catchUp, reports };
  }
}

/** The handler, not Lambda, must decide what Village hears: its deadline ends before the function's timeout. */
function checkVillageDeadline(settings: Record<string, string>): void {
  const villageTimeoutMs = route('village-cash-out').timeoutSeconds * 1000;
  if (Number(settings[FUNCTION_SETTINGS.villageDeadlineMs.env]) >= villageTimeoutMs) {
    throw new Error(
      `Deploy setting villageDeadlineMs=${JSON.stringify(settings[FUNCTION_SETTINGS.villageDeadlineMs.env])} must be below the cash-out function's timeout (${villageTimeoutMs} ms), or Lambda stops the handler before it answers Village.`,
    );
  }
}

/**
 * CloudFormation adds one secondary index per table per update, so a stack deployed before a
 * table gained two is upgraded in steps: `-c eventsIndexLimit=1` deploys only the events
 * table's first index, and the next deploy without it adds the second.
 */
const INDEX_LIMIT_KEYS: Readonly<Record<string, string>> = {
  events: 'eventsIndexLimit',
  ledger: 'ledgerIndexLimit',
  records: 'recordsIndexLimit',
};

function indexesToDeploy(scope: Construct, definition: TableDefinition): TableDefinition['indexes'] {
  const key = INDEX_LIMIT_KEYS[definition.id];
  const limit = key === undefined ? undefined : (scope.node.tryGetContext(key) as string | number | undefined);
  if (limit === undefined) return definition.indexes;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${key} must be a whole number (got ${String(limit)}).`);
  return definition.indexes.slice(0, n);
}

function pascal(id: string): string {
  return id.replace(/(^|[-_])([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

import { RemovalPolicy } from 'aws-cdk-lib';
import type { CfnStage, HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Stage-wide request limits (requests per second, and the burst above it). */
export interface ApiLimits {
  rateLimit: number;
  burstLimit: number;
}

/**
 * Far above what Village, Stripe and Just Wallet send one platform, and far below what would
 * let a flood exhaust the account's Lambda concurrency. A throttled webhook gets 429, which
 * every provider treats as "not delivered": nothing moved, and Stripe retries.
 */
export const DEFAULT_API_LIMITS: ApiLimits = { rateLimit: 50, burstLimit: 100 };

/** The context keys that override the limits: `cdk deploy -c apiRateLimit=200 -c apiBurstLimit=400`. */
export const API_LIMIT_CONTEXT = { rateLimit: 'apiRateLimit', burstLimit: 'apiBurstLimit' } as const;

/** One JSON object per request. No headers and no body: signatures and emails stay out of the logs. */
export const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  protocol: '$context.protocol',
} as const;

export function apiLimitsFromContext(scope: Construct): ApiLimits {
  const read = (key: keyof ApiLimits): number => {
    const raw: unknown = scope.node.tryGetContext(API_LIMIT_CONTEXT[key]);
    if (raw === undefined) return DEFAULT_API_LIMITS[key];
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`Context ${API_LIMIT_CONTEXT[key]} must be a whole number of requests per second above 0; got ${String(raw)}.`);
    }
    return value;
  };
  const limits = { rateLimit: read('rateLimit'), burstLimit: read('burstLimit') };
  if (limits.burstLimit < limits.rateLimit) {
    throw new Error(
      `Context ${API_LIMIT_CONTEXT.burstLimit} (${limits.burstLimit}) must not be below ${API_LIMIT_CONTEXT.rateLimit} (${limits.rateLimit}).`,
    );
  }
  return limits;
}

export interface ApiHardeningProps {
  api: HttpApi;
  limits: ApiLimits;
  accessLogRetention?: RetentionDays;
}

/**
 * The HTTP API's default stage, hardened: throttling on every route, per-route metrics (for
 * the dashboard and the alarms), and JSON access logs in a log group with explicit retention.
 * The L2 HttpApi creates its default stage without these settings, so they are set on it here.
 */
export class ApiHardening extends Construct {
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiHardeningProps) {
    super(scope, id);
    const stage = props.api.defaultStage?.node.defaultChild as CfnStage | undefined;
    if (!stage) throw new Error('The webhooks API has no default stage to harden.');

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    stage.accessLogSettings = { destinationArn: this.accessLogs.logGroupArn, format: JSON.stringify(ACCESS_LOG_FORMAT) };
    stage.defaultRouteSettings = {
      throttlingRateLimit: props.limits.rateLimit,
      throttlingBurstLimit: props.limits.burstLimit,
      detailedMetricsEnabled: true,
    };
  }
}

import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Who API Gateway says the request came through: the account, the API and the caller's agent. */
export interface HttpApiCaller {
  accountId: string;
  apiId: string;
  domainName: string;
  userAgent: string;
}

export interface HttpApiRequest {
  /** The route's path as its key names it, parameters in braces (`/webhooks/stripe/{sourceId}`). */
  routeKeyPath: string;
  /** The path requested; the route's path when it has no parameters. */
  rawPath?: string;
  body: string;
  headers: Record<string, string>;
  pathParameters?: Record<string, string>;
  /** The body delivered base64-encoded, as API Gateway sends a body it takes for binary. */
  base64?: boolean;
}

/** An API Gateway HTTP API (payload format 2.0) event for a POST, as it reaches the function. */
export function httpApiEvent(request: HttpApiRequest, caller: HttpApiCaller): APIGatewayProxyEventV2 {
  const now = Date.now();
  const rawPath = request.rawPath ?? request.routeKeyPath;
  const routeKey = `POST ${request.routeKeyPath}`;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
    requestContext: {
      accountId: caller.accountId,
      apiId: caller.apiId,
      domainName: caller.domainName,
      domainPrefix: caller.apiId,
      http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: caller.userAgent },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    body: request.base64 ? Buffer.from(request.body, 'utf8').toString('base64') : request.body,
    isBase64Encoded: request.base64 ?? false,
  };
}

/** An EventBridge schedule's event, as the rules' targets (no Input) receive it. */
export function scheduledEvent(ruleName: string, where: { region: string; accountId: string }) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: where.accountId,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: where.region,
    resources: [`arn:aws:events:${where.region}:${where.accountId}:rule/${ruleName}`],
    detail: {},
  };
}

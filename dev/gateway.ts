import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { within } from '../functions/shared/deadline.js';

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface LocalRoute {
  method: string;
  path: string;
  functionName: string;
  timeoutSeconds: number;
  handler: LambdaHandler;
}

/** API Gateway's own payload limit for HTTP APIs; each handler applies its smaller one. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const TEXT_TYPES = /json|text|xml|x-www-form-urlencoded/i;

/**
 * The path parameters of `path` under a route template such as `/webhooks/stripe/{sourceId}`
 * (each `{name}` is one non-empty segment, URL-decoded, as API Gateway HTTP APIs do), or
 * undefined when the path is not the route's.
 */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const parameters: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const name = /^\{([A-Za-z0-9_]+)\}$/.exec(want[i]!)?.[1];
    if (name === undefined) {
      if (want[i] !== got[i]) return undefined;
      continue;
    }
    if (!got[i]) return undefined;
    try {
      parameters[name] = decodeURIComponent(got[i]!);
    } catch {
      return undefined;
    }
  }
  return parameters;
}

/** Turns an HTTP request into the API Gateway v2 event the deployed route would deliver. */
export function toApiGatewayEvent(
  req: IncomingMessage,
  body: Buffer,
  routeKey: string,
  pathParameters?: Record<string, string>,
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const contentType = headers['content-type'] ?? '';
  const text = body.toString('utf8');
  // API Gateway passes text bodies as they are and base64-encodes the rest; bytes that are
  // not valid UTF-8 are base64-encoded so the handler sees exactly what was sent.
  const asText = body.length === 0 || (TEXT_TYPES.test(contentType) && Buffer.from(text, 'utf8').equals(body));
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: undefined,
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    ...(pathParameters && Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : asText ? text : body.toString('base64'),
    isBase64Encoded: !asText,
  };
}

export function lambdaContext(functionName: string, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** What a route answered, for the `npm start` terminal (see answer-line.ts). */
export interface LocalAnswer {
  functionName: string;
  method: string;
  path: string;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

export interface RunningGateway {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves the routes on localhost, calling the same handler modules the Lambdas run. */
export async function startLocalGateway(
  routes: LocalRoute[],
  { port = 3000, host = '127.0.0.1', onAnswer }: { port?: number; host?: string; onAnswer?: (answer: LocalAnswer) => void } = {},
): Promise<RunningGateway> {
  const server = createServer(async (req, res) => {
    const reply = (statusCode: number, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
      if (!res.headersSent) res.writeHead(statusCode, headers);
      res.end(body);
    };
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > API_GATEWAY_MAX_BODY) return reply(413, JSON.stringify({ message: 'Request Entity Too Large' }));
        chunks.push(chunk as Buffer);
      }
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const found = routes
        .filter((candidate) => candidate.method === req.method)
        .map((candidate) => ({ route: candidate, parameters: matchPath(candidate.path, path) }))
        .find((candidate) => candidate.parameters);
      if (!found) return reply(404, JSON.stringify({ message: 'Not Found' }));
      const { route, parameters } = found;
      const event = toApiGatewayEvent(req, Buffer.concat(chunks), `${route.method} ${route.path}`, parameters);
      const started = Date.now();
      // Lambda ends an invocation at the function's timeout, and API Gateway answers 500; the
      // handler is not stopped here (nothing can stop a promise), its late answer dropped.
      const result = await within(route.timeoutSeconds * 1000, `${route.functionName} (its timeout)`, () =>
        route.handler(event, lambdaContext(route.functionName, route.timeoutSeconds)),
      );
      const answer =
        typeof result === 'string' || result === undefined
          ? { statusCode: 200, headers: {}, body: result ?? '' }
          : {
              statusCode: result.statusCode ?? 200,
              headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
              body: result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64').toString() : (result.body ?? ''),
            };
      reply(answer.statusCode, answer.body, Object.keys(answer.headers).length ? answer.headers : undefined);
      onAnswer?.({ functionName: route.functionName, method: route.method, path: route.path, ...answer, ms: Date.now() - started });
    } catch (error) {
      // API Gateway answers a crashed integration with 500; so does the local gateway.
      console.error('Handler crashed', error);
      reply(500, JSON.stringify({ message: 'Internal Server Error' }));
    }
  });
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `server.listen`, rejecting (rather than crashing the process) when the port is taken. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

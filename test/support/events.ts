import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { EVENTS_DIR } from '../../dev/send/fixtures.js';
import { httpApiEvent } from '../../dev/rehearse/events.js';

/** A provider fixture from test/events, parsed afresh for each call (tests may change it). */
export function loadFixture<T = Record<string, unknown>>(provider: string, name: string): T {
  return JSON.parse(readFileSync(path.join(EVENTS_DIR, provider, `${name}.json`), 'utf8')) as T;
}

/** The API Gateway v2 event the HTTP API delivers for a POST with this body and these headers. */
export function apiGatewayEvent(
  routePath: string,
  body: string,
  headers: Record<string, string>,
  options: { base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  return httpApiEvent({ routeKeyPath: routePath, body, headers, base64: options.base64 }, JEST_CALLER);
}

const JEST_CALLER = { accountId: 'test', apiId: 'test', domainName: 'test.local', userAgent: 'jest' };

/** A Lambda context good enough for handlers: only the remaining time matters to them. */
/** An invocation without a Lambda context's clock, as a test or a container calls a handler. */
export const directInvocation = {} as Context;

/** The part of a Lambda context the routes read: the time left before the function's timeout. */
export const lambdaContext = (remainingMs = 15_000): Context => {
  const end = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => end - Date.now() } as Partial<Context> as Context;
};

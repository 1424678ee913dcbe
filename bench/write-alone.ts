import {
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { endpointClientSettings, makeDocumentClient } from '../functions/shared/dynamodb.js';
import type { RouteDefinition } from '../infra/routes.js';
import type { BenchContext } from './context.js';
import { countDynamoCalls, emptyUsage } from './dynamo-counter.js';
import { lambdaContext } from '../dev/gateway.js';
import { apiGatewayEvent } from '../test/support/events.js';
import { FLOOR_SIGNATURE_HEADER, floorSignature, floorSignatureMatches } from './floor.js';
import type { BenchHandler, RouteAdapter, SignedRequest } from './routes/types.js';
import type { WarmTarget } from './warm.js';

/** The write a route sends first for an event, as its SDK serialised it. */
export interface CapturedWrite {
  operation: 'PutItem' | 'UpdateItem';
  input: PutItemCommandInput | UpdateItemCommandInput;
}

/** How a write-alone target is named: `<route id>: its write alone`. */
export const WRITE_ALONE_SUFFIX = ': its write alone';

class Captured extends Error {
  override readonly name = 'BenchCaptured';
}

/**
 * A route's one write, alone: the floor's HMAC check of the raw body, then exactly the write the
 * route itself builds for the same event, sent on a bare client as the floor sends its put. The
 * write is captured from the route's own code (a second instance of it, whose client stops each
 * call once serialised, before anything is sent), for every request number given, before any
 * timing starts: capturing while measuring runs the route's code between the timed requests, and
 * that was measured to flatter the routes' own ratios by 0.05–0.1×.
 *
 * Beside the floor and the route in the same interleaved run, it splits the route's latency in
 * two: what its one write costs (the expression DynamoDB evaluates, the item it stores, the SDK's
 * work on a larger command) and what the route's own work adds (verification, validation,
 * packing the body, building the update, Powertools). Only for routes whose new event
 * is one write (the Village route's cash-out is several, and Stripe calls).
 */
export async function makeWriteAlone(
  context: BenchContext,
  route: RouteDefinition,
  adapter: RouteAdapter,
  requestNumbers: Iterable<number>,
): Promise<WarmTarget & { client: DynamoDBClient; writeFor(body: string): CapturedWrite | undefined }> {
  const { writes, requests } = await captureWrites(context, route, adapter, requestNumbers);
  const client = new DynamoDBClient({ endpoint: context.dynamo.endpoint, ...endpointClientSettings() });
  const counter = countDynamoCalls(client);
  const handler = async (event: APIGatewayProxyEventV2) => {
    const body = event.body ?? '';
    if (!floorSignatureMatches(body, event.headers[FLOOR_SIGNATURE_HEADER]))
      return { statusCode: 401, body: '{"error":"signature_mismatch"}' };
    const write = writes.get(body);
    if (!write) return { statusCode: 500, body: '{"error":"no_write_captured"}' };
    try {
      if (write.operation === 'PutItem') await client.send(new PutItemCommand(write.input as PutItemCommandInput));
      else await client.send(new UpdateItemCommand(write.input as UpdateItemCommandInput));
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException')
        return { statusCode: 200, body: '{"received":true,"duplicate":true}' };
      throw error;
    }
    return { statusCode: 200, body: '{"received":true}' };
  };
  return {
    id: `${route.id}${WRITE_ALONE_SUFFIX}`,
    path: route.path,
    timeoutSeconds: route.timeoutSeconds,
    handler: handler as unknown as BenchHandler,
    counter,
    client,
    writeFor: (body) => writes.get(body),
    request(n: number): SignedRequest {
      const request = requests.get(n);
      if (!request) throw new Error(`${route.id}: request ${n} was not prepared`);
      return request;
    },
  };
}

/**
 * The route's first write for each request number, by body, from a second instance of the route
 * whose client stops every call once serialised; and each body signed as the floor signs.
 */
async function captureWrites(context: BenchContext, route: RouteDefinition, adapter: RouteAdapter, requestNumbers: Iterable<number>) {
  let captured: CapturedWrite | undefined;
  const capturing: BenchContext = {
    ...context,
    countedClient() {
      const db = makeDocumentClient({ endpoint: context.dynamo.endpoint });
      stopBeforeSending(db, (write) => {
        captured ??= write;
      });
      return { db, counter: { usage: emptyUsage() } };
    },
  };
  const source = await adapter.setup(capturing, route);
  const requests = new Map<number, SignedRequest>();
  const writes = new Map<string, CapturedWrite>();
  for (const n of requestNumbers) {
    const request = source.request(n);
    captured = undefined;
    const response = await source.handler(
      apiGatewayEvent(route.path, request.body, request.headers),
      lambdaContext(route.id, route.timeoutSeconds),
    );
    if (!captured) throw new Error(`${route.id}: the route answered ${response.statusCode} without a write to capture`);
    writes.set(request.body, captured);
    requests.set(n, {
      body: request.body,
      headers: { 'content-type': 'application/json', [FLOOR_SIGNATURE_HEADER]: floorSignature(request.body) },
    });
  }
  return { writes, requests };
}

/**
 * Stops every call of the client once the SDK has serialised it (the `build` step, before
 * signing, retries and the network), handing the first write to `onWrite` as a low-level
 * command's input. The route sees the call fail, as if DynamoDB were unreachable.
 */
function stopBeforeSending(db: DynamoDBDocumentClient, onWrite: (write: CapturedWrite) => void): void {
  (db as unknown as DynamoDBClient).middlewareStack.add(
    () => async (args) => {
      const request = args.request as { headers: Record<string, string>; body: string | Uint8Array };
      const operation = request.headers['x-amz-target']?.split('.').pop();
      const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
      if (operation === 'PutItem' || operation === 'UpdateItem')
        onWrite({ operation, input: withBinary(JSON.parse(body)) as CapturedWrite['input'] });
      throw new Captured('captured for the benchmark, not sent');
    },
    { step: 'build', name: 'benchStopBeforeSending' },
  );
}

/** The wire format's binary attributes (`{"B": base64}`, `{"BS": [...]}`) as the SDK's input takes them. */
function withBinary(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withBinary);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (key === 'B' && typeof inner === 'string') return [key, Buffer.from(inner, 'base64')];
      if (key === 'BS' && Array.isArray(inner)) return [key, inner.map((item) => Buffer.from(String(item), 'base64'))];
      return [key, withBinary(inner)];
    }),
  );
}

import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { endpointClientSettings } from '../functions/shared/dynamodb.js';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { fixture } from '../dev/send/fixtures.js';
import type { BenchContext } from './context.js';
import { countDynamoCalls, type DynamoUsage } from './dynamo-counter.js';
import type { BenchHandler, SignedRequest } from './routes/types.js';

const SECRET = 'bench-floor-secret';
export const FLOOR_SIGNATURE_HEADER = 'x-signature';

/** The floor's signature of a body: HMAC-SHA256, hex. */
export const floorSignature = (body: string): string => createHmac('sha256', SECRET).update(body).digest('hex');

/** The floor's check: one HMAC-SHA256 of the raw body, compared in constant time. */
export function floorSignatureMatches(body: Buffer | string, signature: string | undefined): boolean {
  const given = Buffer.from(signature ?? '', 'hex');
  const expected = createHmac('sha256', SECRET).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface Floor {
  id: string;
  handler: BenchHandler;
  counter: { usage: DynamoUsage };
  request(n: number): SignedRequest;
  client: DynamoDBClient;
  /** Each write's own duration (ms), by step, over every new request (warm-up included). */
  steps: Record<string, number[]>;
}

/**
 * - `event`: the least any deduplicating webhook receiver must do: check one HMAC-SHA256 of
 *   the raw body in constant time, then one conditional PutItem of the event under its id.
 * - `village`: the least a cash-out paid exactly once must do besides calling Stripe: the same
 *   HMAC, then the three conditional writes it cannot do without: the claim (PutItem), "a
 *   Stripe request may be sent" before the payout call (UpdateItem fenced by the attempt), and
 *   the outcome with Village's answer after it (UpdateItem fenced likewise). No recipient read,
 *   no account check: those are the route's choices, not exactly-once's.
 * Both against the same DynamoDB Local, in the events table; no framework, no logger, no parsing
 * beyond the id. The floor's items have none of the events table's index keys, so they enter no
 * index, yet DynamoDB Local spends about 0.15 ms on each of its writes for that table's two
 * indexes (measured against a copy without them, interleaved): the floor carries the same kind
 * of local index upkeep as the routes' writes. The bench's second warm group (tables without
 * indexes, bench/context.ts `withoutIndexes`) takes it out of both.
 */
export function makeFloor(context: BenchContext, kind: 'event' | 'village' = 'event'): Floor {
  const client = new DynamoDBClient({ endpoint: context.dynamo.endpoint, ...endpointClientSettings() });
  const counter = countDynamoCalls(client);
  const table = context.tables.events;
  const sample = JSON.parse(fixture('village', 'cash-out')) as Record<string, unknown>;
  const steps: Record<string, number[]> = kind === 'event' ? { put: [] } : { claim: [], mark: [], answer: [] };
  const timed = async <T>(step: string, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await call();
    steps[step]!.push(performance.now() - started);
    return result;
  };

  const handler = async (event: APIGatewayProxyEventV2) => {
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    if (!floorSignatureMatches(body, event.headers[FLOOR_SIGNATURE_HEADER]))
      return { statusCode: 401, body: '{"error":"signature_mismatch"}' };
    const text = body.toString('utf8');
    const eventKey = `${kind === 'event' ? 'floor' : 'villagefloor'}:${/"cash_out_id":"([^"]+)"/.exec(text)?.[1] ?? floorSignature(text)}`;
    const attemptId = randomUUID();
    try {
      await timed(kind === 'event' ? 'put' : 'claim', () =>
        client.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              eventKey: { S: eventKey },
              payload: { S: text },
              ...(kind === 'village' ? { attemptId: { S: attemptId }, status: { S: 'processing' } } : {}),
              expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86_400) },
            },
            ConditionExpression: 'attribute_not_exists(eventKey)',
          }),
        ),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException')
        return { statusCode: 200, body: '{"received":true,"duplicate":true}' };
      throw error;
    }
    if (kind === 'event') return { statusCode: 200, body: '{"received":true}' };
    const fenced = (step: string, update: string, values: Record<string, { S: string }>, condition: string) =>
      timed(step, () =>
        client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { eventKey: { S: eventKey } },
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':attempt': { S: attemptId }, ...values },
          }),
        ),
      );
    await fenced(
      'mark',
      'SET stripeRequestSentAt = :now',
      { ':now': { S: new Date().toISOString() }, ':processing': { S: 'processing' } },
      'attemptId = :attempt AND #status = :processing',
    );
    const answer = '{"status":"pending","stripe":{"object":"payout","id":"po_floor"}}';
    await fenced(
      'answer',
      'SET #status = :paid, answer = :answer, stripeObjectId = :po',
      { ':paid': { S: 'pending' }, ':answer': { S: answer }, ':po': { S: 'po_floor' } },
      'attemptId = :attempt AND attribute_not_exists(answer)',
    );
    return { statusCode: 200, body: answer };
  };
  return {
    id: kind === 'event' ? 'floor' : 'village floor',
    handler: handler as unknown as BenchHandler,
    counter,
    client,
    steps,
    request(n) {
      const body = JSON.stringify({ ...sample, cash_out_id: `${kind === 'event' ? 'floor' : 'villagefloor'}_${n}` });
      return { body, headers: { 'content-type': 'application/json', [FLOOR_SIGNATURE_HEADER]: floorSignature(body) } };
    },
  };
}

import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
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
  const sample = JSON.parse(fixture('village', 'cash-out')) as Record<string, unknown>;
  const steps: Record<string, number[]> = kind === 'event' ? { put: [] } : { claim: [], mark: [], answer: [] };
  const timed = async <T>(step: string, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await call();
    steps[step]!.push(performance.now() - started);
    return result;
  };
  const writes = floorWrites(client, context.tables.events, timed);
  const prefix = kind === 'event' ? 'floor' : 'villagefloor';

  const handler = async (event: APIGatewayProxyEventV2) => {
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    if (!floorSignatureMatches(body, event.headers[FLOOR_SIGNATURE_HEADER]))
      return { statusCode: 401, body: '{"error":"signature_mismatch"}' };
    const text = body.toString('utf8');
    const eventKey = `${prefix}:${/"cash_out_id":"([^"]+)"/.exec(text)?.[1] ?? floorSignature(text)}`;
    const attemptId = randomUUID();
    if (!(await writes.claim(kind, eventKey, text, attemptId))) return { statusCode: 200, body: '{"received":true,"duplicate":true}' };
    if (kind === 'event') return { statusCode: 200, body: '{"received":true}' };
    return { statusCode: 200, body: await writes.payAndAnswer(eventKey, attemptId) };
  };
  return {
    id: kind === 'event' ? 'floor' : 'village floor',
    handler: handler as unknown as BenchHandler,
    counter,
    client,
    steps,
    request(n) {
      const body = JSON.stringify({ ...sample, cash_out_id: `${prefix}_${n}` });
      return { body, headers: { 'content-type': 'application/json', [FLOOR_SIGNATURE_HEADER]: floorSignature(body) } };
    },
  };
}

type Timed = <T>(step: string, call: () => Promise<T>) => Promise<T>;

/** The floors' writes, each timed as its step. */
function floorWrites(client: DynamoDBClient, table: string, timed: Timed) {
  const fenced = (step: string, eventKey: string, attemptId: string, update: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>) =>
    timed(step, () =>
      client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { eventKey: { S: eventKey } },
          ExpressionAttributeNames: { '#status': 'status' },
          ...update,
          ExpressionAttributeValues: { ':attempt': { S: attemptId }, ...update.ExpressionAttributeValues },
        }),
      ),
    );
  return {
    /** The event's conditional put (the Village floor's claim); false when it was there already. */
    async claim(kind: 'event' | 'village', eventKey: string, text: string, attemptId: string): Promise<boolean> {
      const Item = {
        eventKey: { S: eventKey },
        payload: { S: text },
        ...(kind === 'village' ? { attemptId: { S: attemptId }, status: { S: 'processing' } } : {}),
        expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86_400) },
      };
      try {
        const put = new PutItemCommand({ TableName: table, Item, ConditionExpression: 'attribute_not_exists(eventKey)' });
        await timed(kind === 'event' ? 'put' : 'claim', () => client.send(put));
        return true;
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
    /** The Village floor's two fenced updates: "a Stripe request may be sent", then the outcome with the answer. */
    async payAndAnswer(eventKey: string, attemptId: string): Promise<string> {
      await fenced('mark', eventKey, attemptId, {
        UpdateExpression: 'SET stripeRequestSentAt = :now',
        ConditionExpression: 'attemptId = :attempt AND #status = :processing',
        ExpressionAttributeValues: { ':now': { S: new Date().toISOString() }, ':processing': { S: 'processing' } },
      });
      const answer = '{"status":"pending","stripe":{"object":"payout","id":"po_floor"}}';
      await fenced('answer', eventKey, attemptId, {
        UpdateExpression: 'SET #status = :paid, answer = :answer, stripeObjectId = :po',
        ConditionExpression: 'attemptId = :attempt AND attribute_not_exists(answer)',
        ExpressionAttributeValues: { ':paid': { S: 'pending' }, ':answer': { S: answer }, ':po': { S: 'po_floor' } },
      });
      return answer;
    },
  };
}

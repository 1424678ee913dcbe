import { createHmac, timingSafeEqual } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { endpointClientSettings } from '../functions/shared/dynamodb.js';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { fixture } from '../lib/send/fixtures.js';
import type { BenchContext } from './context.js';
import { countDynamoCalls, type DynamoUsage } from './dynamo-counter.js';
import type { BenchHandler, SignedRequest } from './routes/types.js';

const SECRET = 'bench-floor-secret';
const HEADER = 'x-signature';

export interface Floor {
  handler: BenchHandler;
  counter: { usage: DynamoUsage };
  request(n: number): SignedRequest;
  client: DynamoDBClient;
}

/**
 * The least any deduplicating webhook receiver must do, against the same DynamoDB Local:
 * check one HMAC-SHA256 of the raw body in constant time, then one conditional PutItem of
 * the event under its id. No framework, no logger, no parsing beyond the id.
 */
export function makeFloor(context: BenchContext): Floor {
  const client = new DynamoDBClient({ endpoint: context.dynamo.endpoint, ...endpointClientSettings() });
  const counter = countDynamoCalls(client);
  const table = context.tables.events;
  const sample = JSON.parse(fixture('village', 'cash-out')) as Record<string, unknown>;

  const handler = async (event: APIGatewayProxyEventV2) => {
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    const given = Buffer.from(event.headers[HEADER] ?? '', 'hex');
    const expected = createHmac('sha256', SECRET).update(body).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { statusCode: 401, body: '{"error":"signature_mismatch"}' };
    const eventKey = `floor:${/"cash_out_id":"([^"]+)"/.exec(body.toString('utf8'))?.[1] ?? expected.toString('hex')}`;
    try {
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: { eventKey: { S: eventKey }, payload: { S: body.toString('utf8') }, expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86_400) } },
          ConditionExpression: 'attribute_not_exists(eventKey)',
        }),
      );
      return { statusCode: 200, body: '{"received":true}' };
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return { statusCode: 200, body: '{"received":true,"duplicate":true}' };
      throw error;
    }
  };
  return {
    handler: handler as unknown as BenchHandler,
    counter,
    client,
    request(n) {
      const body = JSON.stringify({ ...sample, cash_out_id: `floor_${n}` });
      return { body, headers: { 'content-type': 'application/json', [HEADER]: createHmac('sha256', SECRET).update(body).digest('hex') } };
    },
  };
}

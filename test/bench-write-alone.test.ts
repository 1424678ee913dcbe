import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeTableCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { benchContextOn, withoutIndexes, type BenchContext } from '../bench/context.js';
import { FLOOR_SIGNATURE_HEADER } from '../bench/floor.js';
import { ADAPTERS } from '../bench/routes/index.js';
import { makeWriteAlone } from '../bench/write-alone.js';
import { lambdaContext } from '../dev/gateway.js';
import { StripeStandIn } from '../dev/stripe-stand-in.js';
import { ROUTES } from '../infra/routes.js';
import { apiGatewayEvent } from './support/events.js';
import { createTestTables, type TestTables } from './support/dynamo.js';

/**
 * The benchmark's "write alone" target must send exactly the write the route itself sends for
 * the same event, or its figure says nothing about the route: the record it leaves is compared
 * with the one the route leaves for the same request.
 */
const ONE_WRITE_ROUTES = ADAPTERS.filter((adapter) => adapter.oneWritePerEvent).map((adapter) => adapter.routeId);

let tables: TestTables;
let context: BenchContext;
beforeAll(async () => {
  // As bench/run.ts: the routes' metrics are not published from a benchmark.
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  tables = await createTestTables();
  const stripe = new StripeStandIn();
  await stripe.start();
  context = benchContextOn({ dynamo: { endpoint: tables.endpoint, pid: undefined, stop: async () => {} }, tables: tables.names, stripe });
});
afterAll(async () => {
  await context.stop();
  tables.db.destroy();
});

/** Fields that say when the write ran, not what it wrote. */
function withoutTimes(item: Record<string, unknown> | undefined): unknown {
  return JSON.parse(
    JSON.stringify(item ?? {}, (key, value: unknown) => (/At$/.test(key) ? '<time>' : value instanceof Set ? [...value].sort() : value)),
  );
}

describe("bench: a route's write alone", () => {
  test('both event routes are measured this way', () => {
    expect(ONE_WRITE_ROUTES.sort()).toEqual(['just-wallet', 'stripe-events']);
  });

  test.each(ONE_WRITE_ROUTES)(
    '%s: the write replayed leaves the record the route leaves for the same event; again, it is a duplicate; a bad signature is refused',
    async (routeId) => {
      const route = ROUTES.find((candidate) => candidate.id === routeId)!;
      const adapter = ADAPTERS.find((candidate) => candidate.routeId === routeId)!;
      const alone = await makeWriteAlone(context, route, adapter, [7, 8, 9, 10]);
      const bench = await adapter.setup(context, route);
      try {
        for (const n of [7, 8, 9, 10]) {
          const request = alone.request(n);
          const answer = await alone.handler(
            apiGatewayEvent(route.path, request.body, request.headers),
            lambdaContext(route.id, route.timeoutSeconds),
          );
          expect(answer).toMatchObject({ statusCode: 200, body: '{"received":true}' });
          const again = await alone.handler(
            apiGatewayEvent(route.path, request.body, request.headers),
            lambdaContext(route.id, route.timeoutSeconds),
          );
          expect(again.body).toContain('"duplicate":true');
          const forged = await alone.handler(
            apiGatewayEvent(route.path, request.body, { ...request.headers, [FLOOR_SIGNATURE_HEADER]: '00'.repeat(32) }),
            lambdaContext(route.id, route.timeoutSeconds),
          );
          expect(forged.statusCode).toBe(401);

          // The record the replayed write left, then the route's own for the same event.
          const write = alone.writeFor(request.body);
          expect(write?.operation).toBe('UpdateItem');
          const key = unmarshall((write!.input as UpdateItemCommandInput).Key!);
          const replayed = (await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: key }))).Item;
          expect(replayed).toBeDefined();
          await tables.db.send(new DeleteCommand({ TableName: tables.names.records, Key: key }));
          const routeRequest = bench.request(n);
          const routeAnswer = await bench.handler(
            apiGatewayEvent(route.path, routeRequest.body, routeRequest.headers),
            lambdaContext(route.id, route.timeoutSeconds),
          );
          expect(routeAnswer.statusCode).toBe(200);
          const own = (await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: key }))).Item;
          expect(withoutTimes(replayed)).toEqual(withoutTimes(own));
        }
      } finally {
        alone.client.destroy();
      }
    },
  );

  test.each(ONE_WRITE_ROUTES)(
    '%s: set up on the tables without indexes, the route writes to the copies, and the item it leaves is the one it leaves in its own table',
    async (routeId) => {
      const route = ROUTES.find((candidate) => candidate.id === routeId)!;
      const adapter = ADAPTERS.find((candidate) => candidate.routeId === routeId)!;
      const bare = await withoutIndexes(context);
      expect(bare.tables.records).not.toBe(tables.names.records);
      expect(Object.values(bare.routeEnv)).toContain(bare.tables.records);
      expect(Object.values(bare.routeEnv)).not.toContain(tables.names.records);
      const copy = (await tables.db.send(new DescribeTableCommand({ TableName: bare.tables.records }))).Table!;
      expect(copy.GlobalSecondaryIndexes ?? []).toEqual([]);
      const onCopies = await adapter.setup(bare, route);
      const onTables = await adapter.setup(context, route);
      const alone = await makeWriteAlone(context, route, adapter, [31]);
      try {
        const request = onCopies.request(31);
        expect(
          (
            await onCopies.handler(
              apiGatewayEvent(route.path, request.body, request.headers),
              lambdaContext(route.id, route.timeoutSeconds),
            )
          ).statusCode,
        ).toBe(200);
        expect(onCopies.counter.usage.indexWriteUnits).toBe(0);
        expect(
          (
            await onTables.handler(
              apiGatewayEvent(route.path, request.body, request.headers),
              lambdaContext(route.id, route.timeoutSeconds),
            )
          ).statusCode,
        ).toBe(200);
        expect(onTables.counter.usage.indexWriteUnits).toBeGreaterThan(0);
        const key = unmarshall((alone.writeFor(alone.request(31).body)!.input as UpdateItemCommandInput).Key!);
        const inCopy = (await tables.db.send(new GetCommand({ TableName: bare.tables.records, Key: key }))).Item;
        const inTable = (await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: key }))).Item;
        expect(inCopy).toBeDefined();
        expect(withoutTimes(inCopy)).toEqual(withoutTimes(inTable));
      } finally {
        alone.client.destroy();
      }
    },
  );
});

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { replayEvent } from '../operator/replay.js';
import { operatorDeps, type OperatorDeps } from '../operator/wiring.js';
import { eventKey } from '../functions/stripe-events/event-store.js';
import { resolveTarget } from '../operator/target.js';
import { TABLES, tableOutputName } from '../infra/tables.js';
import { createTestTables, type TestTables } from './support/dynamo.js';
import { cashOutInFlight } from './support/operator.js';
import { stripeHarness, type StripeHarness } from './support/stripe-events.js';
import { silentLogger } from './support/telemetry.js';

/**
 * A stack deployed with `-c stripeMode=test` states its mode in its `StripeMode` output, and
 * the console and `npm run replay` (connectOperator, operator/target.ts) take it from there:
 * a replay applies the stack's events as its route does. Whatever mode an operator's client
 * takes the gateway to be, a replay that does not apply an event (`other_mode`) never marks it
 * applied: Stripe's own redelivery still applies it.
 */
let tables: TestTables;
let gateway: StripeHarness; // a test-mode gateway (livemode: false), as deployed with -c stripeMode=test
let operator: OperatorDeps;

beforeAll(async () => {
  tables = await createTestTables();
  gateway = await stripeHarness({}, tables);
  // What connectOperator passes for `--stack <name>`: the stack's tables, a region, no endpoint, no stripeMode
  // (the test's own client stands in for the AWS one).
  operator = operatorDeps({
    tables: tables.names,
    region: 'eu-west-1',
    who: 'arn:aws:sts::1:assumed-role/Operator/jane',
    logger: silentLogger(),
    db: tables.db,
  });
});
afterAll(async () => {
  operator?.close();
  await gateway?.stop();
  tables?.db.destroy();
});

describe('replaying a deferred event from the console of a test-mode stack', () => {
  test("applies it to the ledger, or at least leaves it for Stripe's redelivery", async () => {
    const { cashOutId, payoutPaid: event, finish } = await cashOutInFlight(gateway.ledger);
    expect(await gateway.send(event)).toMatchObject({ statusCode: 503, body: { error: 'ledger_item_in_flight' } });
    await finish();

    const replay = await replayEvent(eventKey(event.id), operator.replay, { dryRun: false });
    const redelivery = await gateway.send(event);
    const item = await gateway.ledger.get(cashOutId);
    console.log(
      JSON.stringify({
        replay,
        redelivery: redelivery.body,
        ledger: item?.status,
        stored: await gateway.events.get(event.id).then((e) => ({ appliedAt: e?.appliedAt, outcome: e?.outcome })),
      }),
    );

    expect(item?.status).toBe('paid');
  });
});

describe('the console of a test-mode stack, with the mode the stack states', () => {
  test('replays a deferred event into the ledger at once', async () => {
    const outputs = {
      ...Object.fromEntries(TABLES.map((table) => [tableOutputName(table.id), tables.names[table.id]])),
      StripeMode: 'test',
    };
    const target = await resolveTarget(
      { stack: 'Gateway', region: 'eu-west-1', env: {} },
      { stackOutputs: async () => outputs, callerArn: async () => 'arn:aws:sts::1:assumed-role/Operator/jane' },
    );
    const fromStack = operatorDeps({
      tables: target.tables,
      region: target.region,
      who: target.who,
      stripeMode: target.stripeMode,
      logger: silentLogger(),
      db: tables.db,
    });
    const { cashOutId, payoutPaid: event, finish } = await cashOutInFlight(gateway.ledger);
    expect(await gateway.send(event)).toMatchObject({ statusCode: 503, body: { error: 'ledger_item_in_flight' } });
    await finish();

    expect(await replayEvent(eventKey(event.id), fromStack.replay, { dryRun: false })).toMatchObject({ outcome: 'applied', changed: true });
    expect((await gateway.ledger.get(cashOutId))?.status).toBe('paid');
    expect(await gateway.events.get(event.id)).toMatchObject({ outcome: 'applied', replays: 1 });
  });
});

describe('a replay that does not apply a never-applied event', () => {
  test('leaves it unapplied, with the replay noted and its outcome as the last refusal', async () => {
    const { payoutPaid: event } = await cashOutInFlight(gateway.ledger);
    expect(await gateway.send(event)).toMatchObject({ statusCode: 503 });

    // The live-mode client (no mode stated) cannot apply a test-mode event.
    expect(await replayEvent(eventKey(event.id), operator.replay, { dryRun: false })).toMatchObject({
      outcome: 'other_mode',
      changed: false,
    });
    const stored = await gateway.events.get(event.id);
    expect(stored).toMatchObject({ replays: 1, replayOutcome: 'other_mode', lastRefusal: 'other_mode' });
    expect(stored?.appliedAt).toBeUndefined();
    expect(stored?.outcome).toBeUndefined();
    expect(stored?.claimToken).toBeUndefined();
  });
});

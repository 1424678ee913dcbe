import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { replayMatching } from '../operator/replay.js';
import { RECORD_BODY_ROOM } from '../functions/stripe-events/record-entries.js';
import { kindShard } from '../functions/shared/record-index.js';
import { consoleHarness, type ConsoleHarness } from './support/console.js';
import { stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';

let h: ConsoleHarness;
let stripe: StripeHarness;
// Each reading of the clock a millisecond later: the record's copy and the events table's are written at different times, as in AWS.
let tick = Date.now();
const clock = { now: () => (tick += 1) };

beforeAll(async () => {
  h = await consoleHarness();
  stripe = await stripeHarness({ clock }, h.tables);
});
afterAll(async () => {
  await stripe.stop();
  await h.stop();
});

describe('a Stripe event kept both in a record and in the events table', () => {
  test("charge.refunded filling the charge's record when its refund's record is full is listed once and bulk-replayed once", async () => {
    const paymentIntent = uniqueId('pi');
    const refundId = uniqueId('re');
    // The refund's record has no room for another event's body: the event goes to the events table too.
    await h.tables.db.send(
      new PutCommand({
        TableName: h.tables.names.records,
        Item: {
          id: refundId,
          kind: 'refund',
          status: 'pending',
          provider: 'stripe',
          sourceId: 'platform',
          lastEventCreated: 0,
          bodyBytes: RECORD_BODY_ROOM + 1,
          history: [],
          updatedAt: new Date(tick).toISOString(),
          kindShard: kindShard('refund', refundId),
        },
      }),
    );
    const refunded = stripeEvent('charge.refunded', {
      id: uniqueId('ch'),
      payment_intent: paymentIntent,
      refunds: {
        object: 'list',
        data: [
          {
            id: refundId,
            object: 'refund',
            amount: 4999,
            currency: 'usd',
            status: 'succeeded',
            payment_intent: paymentIntent,
            charge: 'ch_x',
            created: Math.floor(tick / 1000),
          },
        ],
      },
    });
    const from = new Date(tick - 60_000).toISOString();
    // Older events, kept in records and in the events table: the pages go on past the event.
    expect((await stripe.send(stripeEvent('payment_intent.created', { id: uniqueId('pi') }))).statusCode).toBe(200);
    expect((await stripe.send(stripeEvent('customer.created'))).statusCode).toBe(200);
    expect((await stripe.send(refunded)).statusCode).toBe(200);
    const key = `stripe:${refunded.id}`;
    // Kept twice: in the transaction's history, and in the events table.
    expect((await h.deps.records.get(paymentIntent, 'transaction'))?.history).toHaveLength(1);
    expect(await stripe.deps.events.get(refunded.id)).toMatchObject({ eventKey: key });

    // Listed once, whatever the page size (the console walks pages by a cursor).
    for (const limit of [1, 2, 25]) {
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await h.deps.events.list({ from }, { limit, cursor });
        keys.push(...page.items.map((row) => row.eventKey));
        cursor = page.next;
      } while (cursor);
      expect(keys.filter((each) => each === key)).toHaveLength(1);
    }
    expect((await h.deps.events.matching({ from }, 10)).filter((row) => row.eventKey === key)).toHaveLength(1);
    const bulk = await replayMatching({ from }, h.deps.replay, { dryRun: true, limit: 10 });
    expect(bulk.results.filter((result) => result.eventKey === key)).toHaveLength(1);
  });
});

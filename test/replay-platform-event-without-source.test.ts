import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { replayEvent } from '../operator/replay.js';
import { eventKey } from '../functions/stripe-events/event-store.js';
import { consoleHarness, type ConsoleHarness } from './support/console.js';
import { cashOutInFlight } from './support/operator.js';

/**
 * An event item stored before merchant sources existed has no `sourceId` attribute (its key
 * `stripe:<evt id>` is the platform's). A replay takes a missing source for the platform: the
 * cash-out moves, and no merchant payout record is written for it.
 */
let h: ConsoleHarness;
beforeAll(async () => {
  h = await consoleHarness();
});
afterAll(() => h.stop());

describe('replaying a platform event stored before sources existed (no sourceId on its item)', () => {
  test('moves the cash-out as the route would, and is not lost', async () => {
    const { cashOutId, payoutId, payoutPaid: event, finish } = await cashOutInFlight(h.stripe.ledger);
    expect(await h.stripe.send(event)).toMatchObject({ statusCode: 503, body: { error: 'ledger_item_in_flight' } });
    const key = eventKey(event.id);
    // As an item written before events named their source: no sourceId.
    await h.tables.db.send(
      new UpdateCommand({ TableName: h.tables.names.events, Key: { eventKey: key }, UpdateExpression: 'REMOVE sourceId' }),
    );
    // The cash-out is answered 200 with its payout.
    await finish();

    const result = await replayEvent(key, h.deps.replay, { dryRun: false });
    const redelivered = await h.stripe.send(event);
    const item = await h.deps.cashOuts.get(cashOutId);
    const stray = await h.stripe.records.get(payoutId, 'payout');
    console.log(
      JSON.stringify({
        replay: result,
        redelivered: redelivered.body,
        ledger: item?.status,
        strayPayoutRecord: stray ? { id: stray.id, status: stray.status, sourceId: stray.sourceId ?? null } : null,
      }),
    );

    expect(item?.status).toBe('paid');
  });
});

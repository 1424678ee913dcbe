import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { EventReads } from '../operator/events.js';
import { systemClock } from '../functions/shared/clock.js';
import { packBody } from '../functions/shared/record-model.js';
import { wasApplied } from '../functions/stripe-events/inbox.js';
import { recordedEvents, type RecordWithEvents } from '../functions/stripe-events/record-entries.js';
import { parseStripeEvent } from '../functions/stripe-events/event.js';
import { PROJECT_ROOT } from '../infra/project-root.js';
import { runScript } from './support/commands.js';
import { stripeEvent, stripeHarness, uniqueId, type StripeHarness } from './support/stripe-events.js';
import { sourcesFixture } from './support/stripe-sources.js';

/**
 * Stripe records within one write unit, at their edges: bodies packed with a preset dictionary,
 * history entries that keep only what their body does not say.
 */
const ACME = { sourceId: 'acme-eu', secret: 'whsec_acme_eu_endpoint_secret' };
const T = Math.floor(Date.now() / 1000) - 7200;

let h: StripeHarness;
beforeAll(async () => {
  const platform = await stripeHarness();
  const sources = await sourcesFixture(platform.tables, systemClock);
  h = await stripeHarness({ sources: sources.registry }, platform.tables);
  await sources.admin.add(ACME.sourceId, { signingSecret: ACME.secret });
});
afterAll(async () => h.tables.db.destroy());

const record = async (id: string, kind = 'transaction') =>
  (await h.tables.db.send(new GetCommand({ TableName: h.tables.names.records, Key: { id, kind }, ConsistentRead: true }))).Item as
    RecordWithEvents | undefined;

describe("a merchant source's record", () => {
  test('derives its entries’ keys with its own source: duplicates, late events and finding work as for the platform, and never meet the platform’s', async () => {
    const id = uniqueId('pi');
    const newer = stripeEvent('payment_intent.succeeded', { id }, { created: T + 10 });
    const older = stripeEvent('payment_intent.processing', { id }, { created: T });
    const acme = { sourceId: ACME.sourceId, secrets: [ACME.secret] };

    expect(await h.send(newer, acme)).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });
    expect(await h.send(older, acme)).toMatchObject({ statusCode: 200, body: { outcome: 'stale' } });
    // The same events at the platform are other events, of another record.
    expect(await h.send(newer)).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });
    expect((await h.send(newer)).body).toMatchObject({ duplicate: true });
    expect(await h.send(older, acme)).toMatchObject({ statusCode: 200, body: { duplicate: true, outcome: 'stale' } });
    expect(await h.send(newer, acme)).toMatchObject({ statusCode: 200, body: { duplicate: true, outcome: 'applied' } });

    const kept = await record(`${ACME.sourceId}/${id}`);
    expect(recordedEvents(kept!).map((each) => each.eventKey)).toEqual([`stripe:acme-eu:${newer.id}`, `stripe:acme-eu:${older.id}`]);
    expect(await h.kept(older, ACME.sourceId)).toMatchObject({
      eventKey: `stripe:acme-eu:${older.id}`,
      sourceId: ACME.sourceId,
      outcome: 'stale',
      objectId: id,
    });
    expect(await h.kept(older)).toBeUndefined();
    expect(
      await wasApplied({ events: h.events.forSource(ACME.sourceId), records: h.records.forSource(ACME.sourceId) }, parseStripeEvent(older)),
    ).toBe(true);
    expect(await wasApplied({ events: h.events, records: h.records }, parseStripeEvent(older))).toBe(false);
  });
});

describe('a record one of whose bodies cannot be read', () => {
  /**
   * A body this code cannot unpack: packed with a later dictionary (a marker this version does
   * not know: the code rolled back after a v2), or damaged. With entries that no longer name
   * their event, reading another entry must not depend on it.
   */
  const unreadable = (entryIndex: number, id: string) =>
    h.tables.db.send(
      new UpdateCommand({
        TableName: h.tables.names.records,
        Key: { id, kind: 'transaction' },
        UpdateExpression: `SET history[${entryIndex}].body = :body`,
        ExpressionAttributeValues: { ':body': Uint8Array.from([0xdf, ...packBody('{"id":"evt_x"}').subarray(0, 8)]) },
      }),
    );

  test('still answers a redelivery of another event 200 duplicate (not 500 on every retry), and that event is still found', async () => {
    const id = uniqueId('pi');
    const first = stripeEvent('payment_intent.processing', { id }, { created: T });
    const second = stripeEvent('payment_intent.succeeded', { id }, { created: T + 10 });
    expect((await h.send(first)).statusCode).toBe(200);
    await unreadable(0, id);
    expect(await h.send(second)).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });

    expect(await h.send(second)).toMatchObject({ statusCode: 200, body: { duplicate: true, outcome: 'applied' } });
    expect(await h.send(first)).toMatchObject({ statusCode: 200, body: { duplicate: true } });
    expect(await h.kept(second)).toMatchObject({ eventId: second.id, payload: JSON.stringify(second) });
    // The console still lists (and finds) the record's other events.
    const reads = new EventReads(h.tables.db, h.tables.names.events, h.tables.names.records);
    expect((await reads.forObject(id)).map((row) => row.eventKey)).toEqual([`stripe:${second.id}`]);
    expect(await reads.get(`stripe:${second.id}`, { id, kind: 'transaction' })).toMatchObject({ payload: JSON.stringify(second) });
  });
});

describe('the dictionary script', () => {
  test('never rewrites a version that exists: bodies packed with it need exactly its bytes (a fixture added since would change them)', async () => {
    const file = path.join(PROJECT_ROOT, 'functions', 'shared', 'stripe-body-dictionary-v1.ts');
    const before = readFileSync(file, 'utf8');
    const result = await runScript('bin/stripe-body-dictionary.ts', ['1']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/exists/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

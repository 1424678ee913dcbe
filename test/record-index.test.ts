import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { JustWalletRecordStore } from '../functions/just-wallet/records.js';
import { PAYOUT } from '../functions/just-wallet/lifecycle.js';
import { RecordReads, sourceRecords, type RecordItem } from '../operator/records.js';
import { kindShard, RECORD_SHARDS } from '../functions/shared/record-index.js';
import { recordsByKind } from '../operator/indexes.js';
import { MONEY_MOVEMENT } from '../functions/stripe-events/ledger-events.js';
import { TRANSACTION } from '../functions/stripe-events/apply-payment.js';
import { StripeRecordStore } from '../functions/stripe-events/record-store.js';
import { createTestTables, type TestTables } from './support/dynamo.js';

/**
 * The records table's index by kind is sharded (`<kind>#<n>`): a kind's writes, every payment
 * of the Stripe route above all, spread over RECORD_SHARDS partition key values, and every
 * reader (the payouts command, the console) still sees every record, newest change first.
 */
let tables: TestTables;
let platform: StripeRecordStore;
const T0 = Date.parse('2026-02-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const payments = Array.from({ length: 40 }, (_, n) => `pi_shard_${n}`);

beforeAll(async () => {
  tables = await createTestTables();
  platform = new StripeRecordStore(tables.db, tables.names.records);
  for (const [n, id] of payments.entries()) {
    await platform.apply(
      {
        id,
        kind: 'transaction',
        status: 'processing',
        lifecycle: TRANSACTION,
        event: { id: `evt_${n}`, type: 'payment_intent.processing', created: 1000 + n },
        fields: { amount: 100 + n, currency: 'usd' },
      },
      at(n),
    );
  }
});
afterAll(() => tables.db.destroy());

const get = async (id: string, kind: string) =>
  (await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: { id, kind } }))).Item;

describe('the records index by kind, sharded', () => {
  test('every payment is written under its kind and shard, and the payments land on every shard', async () => {
    const shards = new Set<string>();
    for (const id of payments) {
      const item = await get(id, 'transaction');
      expect(item?.kindShard).toBe(kindShard('transaction', id));
      shards.add(item?.kindShard as string);
    }
    expect(shards.size).toBe(RECORD_SHARDS);
  });

  test('a Just Wallet record is written under its kind and shard too, with the time of its last event', async () => {
    const store = new JustWalletRecordStore(tables.db, tables.names.records);
    await store.apply(
      { lifecycle: PAYOUT, id: 'jw-shard-1', status: 'pending', fields: {}, timestamps: {} },
      { eventKey: 'just-wallet:payout:jw-shard-1:pending', type: 'payout', receivedAt: at(100).toISOString() },
    );
    const item = await get('jw-shard-1', 'just_wallet_payout');
    expect(item).toMatchObject({ kindShard: kindShard('just_wallet_payout', 'jw-shard-1'), updatedAt: at(100).toISOString() });
  });

  test('reading a kind sees every record of every shard, newest change first, and a range on updatedAt applies on every shard', async () => {
    const all: string[] = [];
    for await (const item of recordsByKind<{ id: string; updatedAt: string }>(tables.db, {
      tableName: tables.names.records,
      value: 'transaction',
    }))
      all.push(item.id);
    expect(all).toEqual([...payments].reverse());
    const recent: string[] = [];
    const range = { expression: 'updatedAt >= :since', values: { ':since': at(30).toISOString() } };
    for await (const item of recordsByKind<{ id: string; updatedAt: string }>(tables.db, {
      tableName: tables.names.records,
      value: 'transaction',
      range,
    }))
      recent.push(item.id);
    expect(recent).toEqual(payments.slice(30).reverse());
  });

  test('a change moves a record to the front: its sort key is its last write', async () => {
    const [first] = payments;
    await platform.apply(
      {
        id: first!,
        kind: 'transaction',
        status: 'capture_succeeded',
        lifecycle: TRANSACTION,
        event: { id: 'evt_later', type: 'payment_intent.succeeded', created: 5000 },
        fields: {},
      },
      at(500),
    );
    const newest = await recordsByKind<{ id: string; status: string; updatedAt: string }>(tables.db, {
      tableName: tables.names.records,
      value: 'transaction',
    }).next();
    expect(newest.value).toMatchObject({ id: first, status: 'capture_succeeded' });
  });

  test('the console pages through a kind across the shards without repeating or skipping a record', async () => {
    const reads = new RecordReads(tables.db, tables.names.records);
    const seen: RecordItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await reads.list({ kind: 'transaction' }, { limit: 7, cursor });
      seen.push(...page.items);
      cursor = page.next;
    } while (cursor);
    expect(seen.map((item) => item.id).sort()).toEqual([...payments].sort());
    expect(new Set(seen.map((item) => item.id)).size).toBe(payments.length);
    const filtered = await reads.list({ kind: 'transaction', status: 'capture_succeeded' }, { limit: 50 });
    expect(filtered.items.map((item) => item.id)).toEqual([payments[0]]);
    expect(filtered.items[0]).toMatchObject({ amount: 100, currency: 'usd' });
  });

  test("a merchant source's payouts are listed from every shard, by status and since a time, as whole records", async () => {
    const acme = platform.forSource('acme-eu');
    for (let n = 0; n < 20; n += 1) {
      await acme.apply(
        {
          id: `po_acme_${n}`,
          kind: 'payout',
          status: n % 2 ? 'paid' : 'pending',
          lifecycle: MONEY_MOVEMENT,
          event: { id: `evt_po_${n}`, type: 'payout.updated', created: 2000 + n },
          fields: { amount: 500, currency: 'eur' },
        },
        at(600 + n),
      );
    }
    await platform.apply(
      {
        id: 'po_platform',
        kind: 'payout',
        status: 'paid',
        lifecycle: MONEY_MOVEMENT,
        event: { id: 'evt_po_platform', type: 'payout.paid', created: 3000 },
        fields: {},
      },
      at(700),
    );
    const payouts = (statuses: string[], options: { since?: string; limit?: number }) =>
      sourceRecords(tables.db, { tableName: tables.names.records, sourceId: 'acme-eu', kind: 'payout', statuses }, options);
    const paid = await payouts(['paid'], { limit: 100 });
    expect(paid.map((record) => record.stripeId)).toEqual(Array.from({ length: 10 }, (_, k) => `po_acme_${19 - 2 * k}`));
    expect(paid[0]).toMatchObject({ lastEventCreated: 2019, amount: 500 });
    expect((await payouts(['paid', 'pending'], { since: at(615).toISOString(), limit: 100 })).map((record) => record.stripeId)).toEqual([
      'po_acme_19',
      'po_acme_18',
      'po_acme_17',
      'po_acme_16',
      'po_acme_15',
    ]);
    expect(await payouts(['paid', 'pending'], { limit: 3 })).toHaveLength(3);
  });
});

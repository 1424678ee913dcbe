import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { fixtureNames } from '../dev/send/fixtures.js';
import { justWalletEvent, justWalletHarness, type JustWalletHarness } from './support/just-wallet.js';
import { loadFixture } from './support/events.js';

let h: JustWalletHarness;
beforeAll(async () => {
  h = await justWalletHarness();
});
afterAll(async () => h.stop());

const payout = (status: string, fields: Record<string, unknown> = {}) => justWalletEvent('payout', { status, ...fields });
const withStatus = (event: ReturnType<typeof payout>, status: string) => ({ ...event, data: { ...event.data, status } });

describe('every Just Wallet event type', () => {
  test('has a fixture under test/events/just-wallet', () => {
    expect(fixtureNames('just-wallet')).toEqual([
      'collection',
      'funding',
      'payout',
      'quote_creation.failed',
      'quote_creation.success',
      'quote_funding.failed',
      'quote_funding.success',
    ]);
  });

  test('a payout is recorded by its id with its status, exact amount and charge, and the raw event kept', async () => {
    const event = payout('pending');
    const id = String(event.data.id);
    const response = await h.send(event);

    expect(response).toEqual({
      statusCode: 200,
      body: { received: true, eventKey: `just-wallet:payout:${id}:pending`, outcome: 'applied' },
    });
    const record = await h.record('just_wallet_payout', id);
    expect(record).toMatchObject({
      id,
      kind: 'just_wallet_payout',
      status: 'pending',
      amount: '250.00',
      charge: '1.50',
      currency: 'USD',
      rail: 'ACH',
      recipient_id: event.data.recipient_id,
      bank_id: event.data.bank_id,
    });
    expect(record?.completed_at).toBeUndefined();
    expect(record?.history).toEqual([
      expect.objectContaining({
        status: 'pending',
        eventKey: `just-wallet:payout:${id}:pending`,
        statusChanged: true,
        created_at: event.data.created_at,
      }),
    ]);
    const stored = await h.event(`just-wallet:payout:${id}:pending`);
    expect(stored).toMatchObject({
      provider: 'just-wallet',
      type: 'payout',
      objectId: id,
      kind: 'just_wallet_payout',
      status: 'pending',
      payload: JSON.stringify(event),
      outcome: 'applied',
    });
    expect(stored?.appliedAt).toEqual(expect.any(String));
    // Kept in its record's history (one write), as long as the record: not in the events table.
    expect(stored?.record).toEqual({ id, kind: 'just_wallet_payout' });
    expect(await h.deps.events.get(`just-wallet:payout:${id}:pending`)).toBeUndefined();
  });

  test.each(['collection', 'funding'])('a "%s" event is account funding, recorded by its id', async (type) => {
    const event = justWalletEvent(type);
    const response = await h.send(event);

    expect(response.statusCode).toBe(200);
    expect(await h.record('just_wallet_funding', String(event.data.id))).toMatchObject({
      status: event.data.status,
      amount: event.data.amount,
      charge: event.data.charge,
      currency: 'USD',
      updated_at: event.data.updated_at,
    });
  });

  test('a created quote keeps its per-currency quote, the ids it covers and its mode', async () => {
    const event = justWalletEvent('quote_creation.success');
    await h.send(event);

    const quote = await h.record('just_wallet_quote', String(event.data.id));
    expect(quote).toMatchObject({
      status: 'quote_creation.success',
      creation: 'success',
      funded: false,
      mode: 'wallet',
      meta: event.meta,
      quote: {
        USD: { amount: '250.00', charge: '1.50', total: '251.50' },
        NGN: { amount: '150000.00', charge: '750.00', total: '150750.00' },
      },
    });
  });

  test('a refused quote without an id of its own is kept under the hash of its body, with its error messages', async () => {
    const event = loadFixture('just-wallet', 'quote_creation.failed');
    const response = await h.send(event);

    expect(response.statusCode).toBe(200);
    const id = String(response.body.eventKey).replace('just-wallet:quote_creation.failed:', '');
    expect(id).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(await h.record('just_wallet_quote', id)).toMatchObject({
      status: 'quote_creation.failed',
      creation: 'failed',
      creation_errors: {
        '2d4f6a8c-0e2a-4c6e-8a0c-2e4a6c8e0a55': [
          "The recipient's bank account is not verified.",
          "The amount is below the rail's minimum.",
        ],
      },
    });
  });

  test('a quote is created, fails to fund, then is funded; the failure message stays on the record', async () => {
    const created = justWalletEvent('quote_creation.success');
    const id = created.data.id;
    for (const event of [created, justWalletEvent('quote_funding.failed', { id }), justWalletEvent('quote_funding.success', { id })]) {
      expect((await h.send(event)).body.outcome).toBe('applied');
    }
    const quote = await h.record('just_wallet_quote', String(id));
    expect(quote).toMatchObject({
      status: 'quote_funding.success',
      creation: 'success',
      funding: 'success',
      funded: true,
      funding_errors: 'Insufficient wallet balance to fund this quote.',
    });
    expect(quote?.history.map((entry) => entry.status)).toEqual([
      'quote_creation.success',
      'quote_funding.failed',
      'quote_funding.success',
    ]);
  });

  test('a quote funded before its creation event arrives stays funded, and gains the quote details late', async () => {
    const created = justWalletEvent('quote_creation.success');
    const id = created.data.id;
    await h.send(justWalletEvent('quote_funding.success', { id }));
    const late = await h.send(created);

    expect(late).toMatchObject({ statusCode: 200, body: { outcome: 'stale' } });
    expect(await h.record('just_wallet_quote', String(id))).toMatchObject({
      status: 'quote_funding.success',
      funded: true,
      creation: 'success',
      quote: { USD: { total: '251.50' } },
    });
  });
});

describe('amounts', () => {
  test('sent as JSON numbers are kept as the exact decimal text, never a float', async () => {
    const event = payout('pending');
    const body = JSON.stringify(event)
      .replace('"amount":"250.00"', '"amount":1000000000000000.10')
      .replace('"charge":"1.50"', '"charge":0.30');
    expect(body).toContain('1000000000000000.10');

    expect((await h.send(body)).statusCode).toBe(200);
    expect(await h.record('just_wallet_payout', String(event.data.id))).toMatchObject({ amount: '1000000000000000.10', charge: '0.30' });
  });

  test.each([
    ['a negative amount', { amount: '-5.00' }],
    ['an exponent', { amount: '1e3' }],
    ['a comma', { amount: '1,000.00' }],
    ['no amount', { amount: undefined }],
    ['a bad charge', { charge: 'free' }],
  ])('with %s are refused with 400, and nothing is stored', async (_, fields) => {
    const before = await h.itemCount();
    const response = await h.send(payout('pending', fields));

    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ error: 'malformed_payload', message: expect.stringContaining('data.') });
    expect(await h.itemCount()).toBe(before);
  });
});

describe('a signed but malformed body', () => {
  test.each([
    ['not JSON', '{"event.type": "payout", "data": {', 'malformed_json'],
    ['a JSON array', '[1, 2]', 'malformed_payload'],
    [
      'without "event.type"',
      JSON.stringify({ type: 'payout', data: loadFixture<{ data: unknown }>('just-wallet', 'payout').data }),
      'malformed_payload',
    ],
    [
      'with the type nested instead of a dotted key',
      JSON.stringify({ event: { type: 'payout' }, data: loadFixture<{ data: unknown }>('just-wallet', 'payout').data }),
      'malformed_payload',
    ],
    ['a payout without an id', JSON.stringify(payout('pending', { id: undefined })), 'malformed_payload'],
    [
      'a quote without its per-currency quote',
      JSON.stringify(justWalletEvent('quote_creation.success', { quote: undefined })),
      'malformed_payload',
    ],
    ['a key given twice', '{"event.type":"payout","event.type":"funding","data":{}}', 'malformed_json'],
    [
      'a refused quote whose errors have an empty id',
      JSON.stringify(justWalletEvent('quote_creation.failed', { errors: { '': ['x'] } })),
      'malformed_payload',
    ],
  ])('(%s) is answered 400 with the reason, and nothing is stored', async (_, body, reason) => {
    const before = await h.itemCount();
    const response = await h.send(body);

    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({ error: reason, message: expect.any(String) });
    expect(await h.itemCount()).toBe(before);
  });
});

describe('extra fields in a quote', () => {
  test('are not copied into the record (the raw body keeps them), so odd keys or deep nesting cannot fail the write', async () => {
    const deep = JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)) as unknown;
    const event = justWalletEvent('quote_creation.success');
    const quote = event.data.quote as Record<string, Record<string, unknown>>;
    const currency = Object.keys(quote)[0]!;
    quote[currency] = { ...quote[currency], '': 'empty key', nested: deep };
    const response = await h.send(event);

    expect(response.statusCode).toBe(200);
    const record = await h.record('just_wallet_quote', String(event.data.id));
    expect(Object.keys((record?.quote as Record<string, Record<string, unknown>>)[currency]!).sort()).toEqual([
      'amount',
      'charge',
      'total',
    ]);
  });
});

describe('an unknown event type', () => {
  test('is acknowledged 200 and stored, and touches no record', async () => {
    const event = { 'event.type': 'wallet.frozen', data: { id: 'w_1', status: 'frozen' } };
    const before = await h.itemCount();
    const response = await h.send(event);

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({
      outcome: 'ignored_type',
      eventKey: expect.stringMatching(/^just-wallet:wallet\.frozen:sha256-[0-9a-f]{64}$/),
    });
    const stored = await h.event(String(response.body.eventKey));
    expect(stored).toMatchObject({
      type: 'wallet.frozen',
      payload: JSON.stringify(event),
      outcome: 'ignored_type',
      appliedAt: expect.any(String),
    });
    // An event that changes no record is kept in the events table for the retention period.
    const retention = (stored!.expiresAt! - Date.now() / 1000) / 86_400;
    expect(retention).toBeGreaterThan(29.9);
    expect(retention).toBeLessThanOrEqual(30);
    expect(await h.itemCount()).toBe(before + 1);
    expect((await h.send(event)).body.outcome).toBe('duplicate');
  });

  test('an unknown payout status is likewise stored and acknowledged, and does not change the payout', async () => {
    const event = payout('processing');
    await h.send(event);
    const response = await h.send(withStatus(event, 'on_hold'));

    expect(response).toMatchObject({ statusCode: 200, body: { outcome: 'ignored_status' } });
    expect(await h.event(`just-wallet:payout:${event.data.id}:on_hold`)).toMatchObject({
      objectId: event.data.id,
      status: 'on_hold',
      outcome: 'ignored_status',
    });
    expect((await h.record('just_wallet_payout', String(event.data.id)))?.status).toBe('processing');
  });
});

describe('a payout status', () => {
  test('follows pending → initiated → processing → completed → reversed, with each step in the history', async () => {
    const event = payout('pending');
    const id = String(event.data.id);
    for (const status of ['pending', 'initiated', 'processing', 'completed', 'reversed']) {
      const response = await h.send(withStatus(event, status));
      expect(response.body.outcome).toBe('applied');
      expect((await h.record('just_wallet_payout', id))?.status).toBe(status);
    }
    const record = await h.record('just_wallet_payout', id);
    expect(record?.history.map((entry) => [entry.status, entry.statusChanged])).toEqual([
      ['pending', true],
      ['initiated', true],
      ['processing', true],
      ['completed', true],
      ['reversed', true],
    ]);
    expect(record).toMatchObject({ terminal: true, statusRank: 4 });
  });

  test('never moves back: a late pending after completed is acknowledged, noted in the history, and changes nothing else', async () => {
    const event = payout('pending');
    const id = String(event.data.id);
    await h.send(withStatus({ ...event, data: { ...event.data, completed_at: '2025-03-05T08:00:00.000000Z' } }, 'completed'));
    const late = await h.send(event);

    expect(late).toMatchObject({ statusCode: 200, body: { outcome: 'stale' } });
    const record = await h.record('just_wallet_payout', id);
    expect(record).toMatchObject({ status: 'completed', completed_at: '2025-03-05T08:00:00.000000Z' });
    expect(record?.history.map((entry) => [entry.status, entry.statusChanged])).toEqual([
      ['completed', true],
      ['pending', false],
    ]);
    expect(await h.event(`just-wallet:payout:${id}:pending`)).toMatchObject({ outcome: 'stale' });
  });

  test('a failed payout is final: a completed or refunded event after it changes nothing', async () => {
    const event = payout('failed');
    await h.send(event);
    await h.send(withStatus(event, 'completed'));
    await h.send(withStatus(event, 'refunded'));

    expect((await h.record('just_wallet_payout', String(event.data.id)))?.status).toBe('failed');
  });

  test.each(['failed', 'refunded', 'reversed'])(
    'a completed payout then %s (the bank returned it) moves to that status, flagged as returned after completion',
    async (returned) => {
      const event = payout('completed');
      const id = String(event.data.id);
      await h.send(event);
      const response = await h.send(withStatus(event, returned));

      expect(response).toMatchObject({ statusCode: 200, body: { outcome: 'applied' } });
      const record = await h.record('just_wallet_payout', id);
      expect(record).toMatchObject({ status: returned, terminal: true, returnedAfterCompletion: true });
      expect(record?.history.map((entry) => [entry.status, entry.statusChanged])).toEqual([
        ['completed', true],
        [returned, true],
      ]);
      expect(await h.event(`just-wallet:payout:${id}:${returned}`)).toMatchObject({ outcome: 'applied' });
      expect(h.outcomes.at(-2)).toBe('returned_after_completion');
    },
  );

  test('a returned payout never moves back: a redelivered completed, or a late processing, changes only the history', async () => {
    const event = payout('completed');
    const id = String(event.data.id);
    await h.send(event);
    await h.send(withStatus(event, 'failed'));
    expect((await h.send(event)).body.outcome).toBe('duplicate');
    expect((await h.send(withStatus(event, 'processing'))).body.outcome).toBe('stale');

    expect(await h.record('just_wallet_payout', id)).toMatchObject({ status: 'failed', returnedAfterCompletion: true });
  });

  test('a return delivered before the completion ends at the return, flagged, once the completion arrives late', async () => {
    const event = payout('processing');
    const id = String(event.data.id);
    await h.send(event);
    await h.send(withStatus(event, 'failed'));
    const late = await h.send(withStatus(event, 'completed'));

    expect(late.body.outcome).toBe('stale');
    const record = await h.record('just_wallet_payout', id);
    expect(record).toMatchObject({ status: 'failed', returnedAfterCompletion: true });
    expect(record?.history.map((entry) => [entry.status, entry.statusChanged])).toEqual([
      ['processing', true],
      ['failed', true],
      ['completed', false],
    ]);
  });

  test('a payout that fails before it completes is failed, not flagged as returned', async () => {
    const event = payout('processing');
    await h.send(event);
    await h.send(withStatus(event, 'failed'));

    const record = await h.record('just_wallet_payout', String(event.data.id));
    expect(record?.status).toBe('failed');
    expect(record?.returnedAfterCompletion).toBeUndefined();
  });

  test('a successful funding that then fails (the debit was returned) moves to failed, flagged', async () => {
    const event = justWalletEvent('funding', { status: 'success' });
    await h.send(event);
    await h.send({ ...event, data: { ...event.data, status: 'failed' } });

    expect(await h.record('just_wallet_funding', String(event.data.id))).toMatchObject({ status: 'failed', returnedAfterCompletion: true });
  });

  test('is read in any case and without surrounding spaces', async () => {
    const event = payout(' Completed ');
    await h.send(event);

    expect((await h.record('just_wallet_payout', String(event.data.id)))?.status).toBe('completed');
  });

  test('a funding succeeds and is later refunded; a late pending does not undo it', async () => {
    const event = justWalletEvent('funding', { status: 'success' });
    await h.send(event);
    await h.send({ ...event, data: { ...event.data, status: 'refunded' } });
    await h.send({ ...event, data: { ...event.data, status: 'pending' } });

    expect((await h.record('just_wallet_funding', String(event.data.id)))?.status).toBe('refunded');
  });
});

describe('the same event delivered twice', () => {
  test('is answered 200 the second time and changes nothing', async () => {
    const event = payout('processing');
    await h.send(event);
    const record = await h.record('just_wallet_payout', String(event.data.id));
    const stored = await h.event(`just-wallet:payout:${event.data.id}:processing`);
    const again = await h.send(event);

    expect(again).toMatchObject({ statusCode: 200, body: { outcome: 'duplicate' } });
    expect(await h.record('just_wallet_payout', String(event.data.id))).toEqual(record);
    expect(await h.event(`just-wallet:payout:${event.data.id}:processing`)).toEqual(stored);
  });

  test('is a duplicate whether Just Wallet calls it "collection" or "funding"', async () => {
    const event = justWalletEvent('collection');
    await h.send(event);
    const again = await h.send({ ...event, 'event.type': 'funding' });

    expect(again.body.outcome).toBe('duplicate');
    expect((await h.record('just_wallet_funding', String(event.data.id)))?.history).toHaveLength(1);
  });

  test('is applied when its first delivery was stored but stopped before being applied', async () => {
    const event = payout('initiated');
    const eventKey = `just-wallet:payout:${event.data.id}:initiated`;
    await h.deps.events.claim({
      eventKey,
      provider: 'just-wallet',
      type: 'payout',
      receivedAt: new Date().toISOString(),
      payload: JSON.stringify(event),
      expiresAt: Math.floor(Date.now() / 1000) + 60,
    });
    const response = await h.send(event);

    expect(response.body.outcome).toBe('applied');
    expect((await h.record('just_wallet_payout', String(event.data.id)))?.status).toBe('initiated');
    expect(await h.event(eventKey)).toMatchObject({ outcome: 'applied', appliedAt: expect.any(String) });
  });

  test('is applied once when its first delivery applied it but stopped before marking it', async () => {
    const event = payout('initiated');
    const id = String(event.data.id);
    const eventKey = `just-wallet:payout:${id}:initiated`;
    await h.send(event);
    // As if the process had stopped after the record update: the event is not marked applied.
    await h.tables.db.send(
      new UpdateCommand({ TableName: h.tables.names.events, Key: { eventKey }, UpdateExpression: 'REMOVE appliedAt, outcome' }),
    );
    const response = await h.send(event);

    expect(response.body.outcome).toBe('duplicate');
    expect((await h.record('just_wallet_payout', id))?.history).toHaveLength(1);
    expect(await h.event(eventKey)).toMatchObject({ appliedAt: expect.any(String) });
  });
});

describe('concurrent deliveries', () => {
  test.each([1, 2, 3, 4, 5])('of every status of one payout end at the highest, whatever the order (round %i)', async () => {
    const event = payout('pending');
    const statuses = ['pending', 'initiated', 'processing', 'completed', 'processing', 'pending', 'initiated'].sort(
      () => Math.random() - 0.5,
    );
    const responses = await Promise.all(statuses.map((status) => h.send(withStatus(event, status))));

    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    const record = await h.record('just_wallet_payout', String(event.data.id));
    expect(record).toMatchObject({ status: 'completed', statusRank: 3 });
    // Each distinct event once in the history, however many times it was delivered.
    expect(record?.history.map((entry) => entry.status).sort()).toEqual(['completed', 'initiated', 'pending', 'processing']);
    expect([...(record?.eventKeys ?? [])].sort()).toHaveLength(4);
  });

  test.each([1, 2, 3])('of completed and failed end failed and flagged as returned, whichever lands first (round %i)', async () => {
    const event = payout('processing');
    await h.send(event);
    await Promise.all([h.send(withStatus(event, 'failed')), h.send(withStatus(event, 'completed'))]);

    expect(await h.record('just_wallet_payout', String(event.data.id))).toMatchObject({ status: 'failed', returnedAfterCompletion: true });
  });

  test('of completed and reversed end reversed, whichever lands first', async () => {
    const event = payout('completed');
    await Promise.all([h.send(withStatus(event, 'reversed')), h.send(event), h.send(withStatus(event, 'processing'))]);

    expect((await h.record('just_wallet_payout', String(event.data.id)))?.status).toBe('reversed');
  });
});

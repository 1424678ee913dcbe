import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { OperatorCashOut } from '../operator/attention.js';
import { stripeEvent } from './support/stripe-events.js';
import { ledgerItem as seededLedgerItem, putLedgerItem } from './support/ledger-items.js';
import { consoleHarness, text, type ConsoleHarness } from './support/console.js';
import { justWalletEvent } from './support/just-wallet.js';
import { deliverJustWallet } from './support/operator.js';
import { operatorDeps, type OperatorTables } from '../operator/wiring.js';
import { startConsole } from '../operator/console/server.js';
import { closedPort } from './support/commands.js';
import { silentLogger } from './support/telemetry.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let h: ConsoleHarness;
const now = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

/** The cash-outs here are Ada Lovelace's, paid, last changed 20 minutes ago, unless a test says otherwise. */
const ledgerItem = (cashOutId: string, fields: Partial<OperatorCashOut>): OperatorCashOut =>
  seededLedgerItem(cashOutId, {
    status: 'paid',
    destinationEmail: 'ada.lovelace@example.com',
    createdAt: iso(now - 30 * MINUTE),
    updatedAt: iso(now - 20 * MINUTE),
    payload: JSON.stringify({ cash_out_id: cashOutId, destination_email: 'ada.lovelace@example.com', amount: '20.15', currency: 'USD' }),
    ...fields,
  });

const section = (page: string, id: string) => {
  const start = page.indexOf(`id="${id}"`);
  return start < 0 ? '' : page.slice(start, page.indexOf('</section>', start));
};

let payoutEventId: string;
let paymentEventId: string;
let justWalletKey: string;

beforeAll(async () => {
  h = await consoleHarness();
  const put = (item: OperatorCashOut) => putLedgerItem(h.tables, item);
  await put(
    ledgerItem('co_unknown', {
      status: 'unknown',
      answer: { statusCode: 500, body: { error: 'payout_outcome_unknown' } },
      stripeRequestSentAt: iso(now - 30 * MINUTE),
    }),
  );
  await put(
    ledgerItem('co_operator', {
      status: 'in_transit',
      needsOperator: true,
      operatorReason: 'payout_in_transit_cannot_be_canceled',
      answer: { statusCode: 500, body: {} },
      stripeObjectId: 'po_operator',
    }),
  );
  await put(
    ledgerItem('co_failed', { status: 'failed', failedAfterPaid: true, failureCode: 'account_closed', stripeObjectId: 'po_failed' }),
  );
  await put(
    ledgerItem('co_stuck', {
      status: 'processing',
      answer: undefined,
      leaseExpiresAt: now - 15 * MINUTE,
      updatedAt: iso(now - 25 * MINUTE),
    }),
  );
  await put(
    ledgerItem('co_old', {
      status: 'rejected',
      reason: 'unknown_recipient',
      answer: { statusCode: 400, body: { error: 'unknown_recipient' } },
      createdAt: iso(now - 3 * 24 * HOUR),
      updatedAt: iso(now - 3 * 24 * HOUR),
    }),
  );
  await put(
    ledgerItem('co_grace', {
      destinationEmail: 'grace.hopper@example.com',
      amount: '99999999',
      amountMinor: 9_999_999_900,
      updatedAt: iso(now - 5 * MINUTE),
    }),
  );
  for (let index = 0; index < 30; index += 1) {
    await put(
      ledgerItem(`co_page_${String(index).padStart(2, '0')}`, {
        updatedAt: iso(now - HOUR - index * 1000),
        createdAt: iso(now - 2 * HOUR),
      }),
    );
  }
  // A cash-out paid and then told so by Stripe, through the route.
  await put(
    ledgerItem('co_story', {
      status: 'pending',
      stripeObjectId: 'po_story',
      stripeObjectType: 'payout',
      accountId: 'acct_1Story',
      createdAt: iso(now - 2 * MINUTE),
      stripeRequestSentAt: iso(now - 2 * MINUTE + 40),
      answeredAt: iso(now - 2 * MINUTE + 900),
      updatedAt: iso(now - 2 * MINUTE + 900),
    }),
  );
  const payout = stripeEvent('payout.paid', { id: 'po_story', metadata: { cash_out_id: 'co_story' } }, { account: 'acct_1Story' });
  payoutEventId = payout.id;
  expect((await h.stripe.send(payout)).body).toMatchObject({ outcome: 'applied' });
  const payment = stripeEvent('payment_intent.created');
  paymentEventId = payment.id;
  await h.stripe.send(payment);
  await h.stripe.send(stripeEvent('customer.created'));
  justWalletKey = (await deliverJustWallet(h.tables, justWalletEvent('payout'))).eventKey;
});
afterAll(() => h.stop());

describe('the operator console server', () => {
  test('listens on the loopback interface only', () => {
    expect((h.console.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(h.console.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('the home page puts the attention queue first: unknown, stuck in processing, raised to an operator, failed after a 200', async () => {
    const page = await h.get('/');
    expect(page.status).toBe(200);
    const attention = section(page.body, 'attention');
    for (const id of ['co_unknown', 'co_stuck', 'co_operator', 'co_failed']) expect(attention).toContain(`data-cash-out="${id}"`);
    for (const id of ['co_grace', 'co_story', 'co_old']) expect(attention).not.toContain(`data-cash-out="${id}"`);
    expect(text(attention)).toMatch(/outcome unknown.*processing past its lease|processing past its lease.*outcome unknown/);
    expect(text(attention)).toContain('needs an operator');
    expect(text(attention)).toContain('failed after a 200');
    expect(page.body.indexOf('id="attention"')).toBeLessThan(page.body.indexOf('id="latest"'));
  });

  test('the home page counts cash-outs by status for 24 h and 7 d, and charts them per hour by status', async () => {
    const page = await h.get('/');
    const counts = text(section(page.body, 'counts'));
    expect(counts).toMatch(/rejected 0 1/);
    expect(counts).toMatch(/paid 3[0-9] 3[0-9]/);
    const data = JSON.parse(/<script type="application\/json" id="cash-outs-per-hour-data">([\s\S]*?)<\/script>/.exec(page.body)![1]!) as {
      hours: string[];
      byStatus: Record<string, number[]>;
    };
    expect(data.hours).toHaveLength(24);
    expect(data.byStatus.paid!.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(32);
    expect(data.byStatus.rejected).toBeUndefined();
    expect(page.body).toContain('<canvas id="cash-outs-per-hour"');
  });

  test('lists mask recipient emails; only the cash-out page shows the address', async () => {
    for (const path of ['/', '/cash-outs']) {
      const page = await h.get(path);
      expect(page.body).not.toContain('grace.hopper@example.com');
      expect(page.body).toContain('g***@example.com');
    }
    expect((await h.get('/cash-outs/co_grace')).body).toContain('grace.hopper@example.com');
  });

  test('/cash-outs filters by status, recipient and received time', async () => {
    const ids = (body: string) => [...body.matchAll(/data-cash-out="([^"]+)"/g)].map((match) => match[1]);
    expect(ids((await h.get('/cash-outs?status=unknown')).body)).toEqual(['co_unknown']);
    expect(ids((await h.get('/cash-outs?recipient=Grace.Hopper@example.com')).body)).toEqual(['co_grace']);
    const from = iso(now - 4 * 24 * HOUR);
    const to = iso(now - 2 * 24 * HOUR);
    expect(ids((await h.get(`/cash-outs?from=${from}&to=${to}`)).body)).toEqual(['co_old']);
    expect(ids((await h.get('/cash-outs?from=1h&status=paid')).body).sort()).toEqual(['co_grace', 'co_story']);
  });

  test('/cash-outs pages newest first, 25 at a time, every cash-out once', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/cash-outs';
    let pages = 0;
    while (path) {
      const page = await h.get(path);
      expect(page.status).toBe(200);
      seen.push(...[...page.body.matchAll(/data-cash-out="([^"]+)"/g)].map((match) => match[1]!));
      path = /<a href="([^"]+)" rel="next">/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
      pages += 1;
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(37);
    expect(new Set(seen).size).toBe(37);
    expect(seen.slice(0, 2)).toEqual(['co_story', 'co_grace']);
    expect(seen.indexOf('co_page_00')).toBeLessThan(seen.indexOf('co_page_29'));
  });

  test('a filter it does not understand is refused with 400, saying why', async () => {
    const status = await h.get('/cash-outs?status=lost');
    expect(status.status).toBe(400);
    expect(text(status.body)).toContain('Status must be one of processing, unknown');
    const from = await h.get('/events?from=yesterday');
    expect(from.status).toBe(400);
    expect(text(from.body)).toContain('From must be like 90m, 24h, 7d');
    expect((await h.get('/cash-outs?cursor=not-a-cursor')).status).toBe(400);
  });

  test("a cash-out's page tells its story in order, with its Stripe events and a link to the payout in Stripe's Dashboard", async () => {
    const page = await h.get('/cash-outs/co_story');
    expect(page.status).toBe(200);
    const story = text(section(page.body, 'story'));
    const order = ['Received from Village and claimed', 'Stripe payout requested', 'Village was answered 200', 'Stripe payout.paid'].map(
      (title) => story.indexOf(title),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(story).toContain('ledger co_story: pending → paid');
    expect(page.body).toContain('href="https://dashboard.stripe.com/acct_1Story/test/payouts/po_story"');
    expect(section(page.body, 'stripe-events')).toContain(`data-event="stripe:${payoutEventId}"`);
    expect(text(section(page.body, 'payload'))).toContain('"cash_out_id": "co_story"');
  });

  test('/events lists Stripe and Just Wallet events, filtered by provider, type (or prefix) and outcome', async () => {
    const keys = (body: string) => [...body.matchAll(/data-event="([^"]+)"/g)].map((match) => match[1]!);
    const all = keys((await h.get('/events')).body);
    expect(all).toEqual(expect.arrayContaining([`stripe:${payoutEventId}`, `stripe:${paymentEventId}`, justWalletKey]));
    expect(keys((await h.get('/events?provider=just-wallet')).body)).toEqual([justWalletKey]);
    expect(keys((await h.get('/events?type=payout.')).body)).toEqual([`stripe:${payoutEventId}`]);
    expect(keys((await h.get('/events?provider=stripe&outcome=ignored')).body)).toHaveLength(1);
    expect(keys((await h.get(`/events?from=${iso(now + HOUR)}`)).body)).toEqual([]);
  });

  test('an event id in the search box opens the event; an object id lists its events', async () => {
    const byId = await h.get(`/events?q=${payoutEventId}`);
    expect(byId.status).toBe(303);
    expect(byId.headers.location).toBe(`/events/${encodeURIComponent(`stripe:${payoutEventId}`)}`);
    const byObject = await h.get('/events?q=po_story');
    expect(byObject.body).toContain(`data-event="stripe:${payoutEventId}"`);
  });

  test("an event's page shows its raw body with secrets redacted, its deliveries and its cash-out", async () => {
    const payment = await h.get(`/events/${encodeURIComponent(`stripe:${paymentEventId}`)}`);
    expect(payment.status).toBe(200);
    expect(payment.body).toContain('&quot;client_secret&quot;: &quot;[redacted]&quot;');
    expect(payment.body).not.toContain('SampleClientSecret');
    // A payment is kept in its record's history (one write): found by its id alone, and the page says where.
    expect(text(payment.body)).toMatch(/Kept in pi_\w+ \(its history\)/);
    const payout = await h.get(`/events/${encodeURIComponent(`stripe:${payoutEventId}`)}`);
    expect(payout.body).toContain('href="/cash-outs/co_story"');
    expect(text(payout.body)).toMatch(/Deliveries 1/);
  });

  test('/events pages newest first without repeats', async () => {
    for (let index = 0; index < 26; index += 1) await h.stripe.send(stripeEvent('customer.created'));
    const first = await h.get('/events?provider=stripe&outcome=ignored');
    const next = /<a href="([^"]+)" rel="next">/.exec(first.body)![1]!.replaceAll('&amp;', '&');
    const second = await h.get(next);
    const keys = (body: string) => [...body.matchAll(/data-event="([^"]+)"/g)].map((match) => match[1]!);
    expect(keys(first.body)).toHaveLength(25);
    expect(keys(second.body)).toHaveLength(2);
    expect(new Set([...keys(first.body), ...keys(second.body)]).size).toBe(27);
  });

  test('/records lists each kind with its status, and shows a record', async () => {
    const transactions = await h.get('/records');
    expect(transactions.body).toContain('data-record="pi_3SampleOrder0001"');
    const payouts = await h.get('/records?kind=just_wallet_payout&status=pending');
    const id = /data-record="([^"]+)"/.exec(payouts.body)![1]!;
    const record = await h.get(`/records/just_wallet_payout/${id}`);
    expect(record.status).toBe(200);
    expect(text(record.body)).toContain('"amount": "250.00"');
    expect((await h.get('/records?kind=just_wallet_payout&status=completed')).body).not.toContain('data-record=');
    expect((await h.get('/records?kind=bananas')).status).toBe(400);
  });

  test('pages load only the console’s own bundled assets (Chart.js, Pico CSS), nothing from a CDN', async () => {
    const page = await h.get('/');
    const sources = [...page.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources).toEqual(['/assets/console.css', '/assets/console.js']);
    const js = await h.get('/assets/console.js');
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.body).toContain('cash-outs-per-hour');
    expect(js.body.length).toBeGreaterThan(50_000);
    expect((await h.get('/assets/console.css')).body).toContain('--pico-');
  });

  test('unknown pages and cash-outs are a 404 page', async () => {
    expect((await h.get('/nothing-here')).status).toBe(404);
    const missing = await h.get('/cash-outs/co_nope');
    expect(missing.status).toBe(404);
    expect(text(missing.body)).toContain('No cash-out co_nope');
  });
  test("amounts are shown with their thousands grouped and the currency's decimals, in lists and on the page", async () => {
    const list = await h.get('/cash-outs');
    expect(text(list.body)).toContain('99,999,999.00 USD');
    expect(text(list.body)).toContain('20.15 USD');
    const page = await h.get('/cash-outs/co_grace');
    expect(text(page.body)).toContain('99,999,999.00 USD (9,999,999,900 minor units, payout)');
  });

  test('every time shows one way, "YYYY-MM-DD hh:mm:ss UTC", the ISO time kept in the datetime attribute', async () => {
    const page = await h.get('/cash-outs/co_story');
    const shown = [...page.body.matchAll(/<time datetime="([^"]+)">([^<]*)<\/time>/g)];
    expect(shown.length).toBeGreaterThan(2);
    for (const [, iso, display] of shown) expect(display).toBe(`${iso!.slice(0, 19).replace('T', ' ')}\u00a0UTC`);
    // The Stripe event's creation time, in the story's link, reads the same way.
    expect(text(section(page.body, 'story'))).toMatch(/Stripe payout\.paid \(created \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/);
    expect(page.body).not.toMatch(/>[^<]*\d{4}-\d\d-\d\dT\d\d:\d\d[^<]*</);
  });

  test('a cash-out that failed after a 200 says what the operator should do next', async () => {
    const page = await h.get('/cash-outs/co_failed');
    const next = text(section(page.body, 'next-steps'));
    expect(next).toContain('failed after a 200');
    expect(next).toMatch(/contact the recipient .* or Village .*then Acknowledge/);
  });

  test('/records without a kind opens on the first kind that has records, not an empty one', async () => {
    const page = await h.get('/records');
    expect(page.body).toMatch(/href="\/records\?kind=transaction" aria-current="page"/);
    expect(page.body).toContain('data-record=');
  });
});

describe('the console refuses what did not come from itself', () => {
  test('a Host other than its own (DNS rebinding) is refused, for pages and actions', async () => {
    const rebound = await h.get('/', { host: `attacker.example:${new URL(h.console.url).port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('co_unknown');
    expect((await h.get('/', { host: 'attacker.example' })).status).toBe(403);
    expect((await h.post('/cash-outs/co_unknown/acknowledge', { note: 'x' }, { headers: { host: 'attacker.example' } })).status).toBe(403);
    expect((await h.get('/', { host: `localhost:${new URL(h.console.url).port}` })).status).toBe(200);
  });

  test('an Origin other than its own is refused', async () => {
    expect((await h.get('/', { origin: 'http://attacker.example' })).status).toBe(403);
    const before = await h.snapshot();
    expect(
      (await h.post('/cash-outs/co_unknown/acknowledge', { note: 'forged' }, { headers: { origin: 'http://attacker.example' } })).status,
    ).toBe(403);
    expect(await h.snapshot()).toEqual(before);
  });

  test('an action without the per-process token, or with another, is refused and changes nothing', async () => {
    const before = await h.snapshot();
    const missing = await h.post('/cash-outs/co_unknown/acknowledge', { note: 'no token' }, { token: null });
    expect(missing.status).toBe(403);
    expect(missing.body).toContain('needs the token');
    expect((await h.post('/cash-outs/co_unknown/acknowledge', { note: 'wrong' }, { token: 'x'.repeat(43) })).status).toBe(403);
    expect((await h.post(`/events/${encodeURIComponent(`stripe:${payoutEventId}`)}/replay`, { dryRun: '0' }, { token: null })).status).toBe(
      403,
    );
    expect(await h.snapshot()).toEqual(before);
  });

  test('pages carry a content security policy that allows only its own scripts, and are not cached or framed', async () => {
    const page = await h.get('/');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('same-origin');
  });
});

describe('the console over tables with only Just Wallet records', () => {
  let only: ConsoleHarness;
  beforeAll(async () => {
    only = await consoleHarness();
    await deliverJustWallet(only.tables, justWalletEvent('payout'));
  });
  afterAll(() => only.stop());

  test('/records opens on Just Wallet payouts, the first kind with any record', async () => {
    const page = await only.get('/records');
    expect(page.body).toMatch(/href="\/records\?kind=just_wallet_payout" aria-current="page"/);
    expect(page.body).toContain('data-record=');
  });
});

describe('the console when DynamoDB does not answer', () => {
  test('a page says the tables cannot be read and asks whether `npm start` is running; the terminal gets one line, no stack trace', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const deps = operatorDeps({
      tables: {
        ledger: 'local-ledger',
        recipients: 'local-recipients',
        events: 'local-events',
        records: 'local-records',
        history: 'local-history',
        limits: 'local-limits',
        usage: 'local-usage',
      } satisfies OperatorTables,
      endpoint,
      who: 'local',
      logger: silentLogger(),
    });
    const running = await startConsole(
      { deps, assets: { js: '', css: '' }, where: `DynamoDB Local at ${endpoint}`, dynamoEndpoint: endpoint, livemode: false },
      { port: 0 },
    );
    const errors: unknown[][] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args));
    try {
      const answer = await fetch(`${running.url}/cash-outs`);
      const body = await answer.text();
      expect(answer.status).toBe(503);
      expect(text(body)).toContain(`Cannot reach DynamoDB at ${endpoint}`);
      expect(text(body)).toContain('is `npm start` running?');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toHaveLength(1);
      expect(String(errors[0]![0])).toMatch(
        /^Console: GET \/cash-outs could not read its tables: Cannot reach DynamoDB at .*: is `npm start` running\?$/,
      );
    } finally {
      spy.mockRestore();
      await running.close();
      deps.close();
    }
  });
});

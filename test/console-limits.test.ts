import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LimitsAdmin } from '../operator/limits.js';
import { LimitUsage } from '../functions/shared/usage.js';
import { consoleHarness, OPERATOR_ARN, text, type ConsoleHarness } from './support/console.js';

let h: ConsoleHarness;
const NOW = Date.parse('2026-03-02T10:30:00Z');
const clock = { now: () => NOW };

beforeAll(async () => {
  h = await consoleHarness({ clock });
  // EUR set by an operator; 1,234.56 USD taken today by a cash-out still being paid.
  await new LimitsAdmin(h.deps.db, h.deps.tables, clock).set(
    'EUR',
    { perCashOut: '5000', perRecipientDay: '20000', perDay: '200000' },
    OPERATOR_ARN,
  );
  const reserved = await new LimitUsage(h.deps.db, h.deps.tables.usage, clock).reserve(
    {
      cashOutId: 'co_limits_page',
      accountId: 'acct_1Limits',
      currency: 'USD',
      amountMinor: 123_456,
      perRecipientDay: 2_500_000,
      perDay: 25_000_000,
    },
    NOW + 10_000,
  );
  expect(reserved.reserved).toBe(true);
});
afterAll(() => h.stop());

describe('the console limits page', () => {
  test("shows each paid currency's limits per cash-out, per recipient a day and per day, with today's platform use and what is left", async () => {
    const page = await h.get('/limits');
    expect(page.status).toBe(200);
    const row = (currency: string) => {
      const start = page.body.indexOf(`data-currency="${currency}"`);
      return start < 0 ? '' : text(page.body.slice(start, page.body.indexOf('</tr>', start)));
    };
    expect(row('USD')).toMatch(/USD 10000\.00 25000\.00 250000\.00 1234\.56 248765\.44 default/);
    expect(row('EUR')).toMatch(/EUR 5000\.00 20000\.00 200000\.00 0\.00 200000\.00 .*Operator\/jane.*2026-03-02 10:30:00 UTC/);
    for (const currency of ['GBP', 'CAD', 'AUD']) expect(row(currency)).toContain('default');
    expect(row('XYZ')).toBe('');
  });

  test("is linked from every page's navigation", async () => {
    const page = await h.get('/');
    expect(page.body).toContain('<a href="/limits">Limits</a>');
  });

  test('reads only: a post to it changes nothing', async () => {
    const before = await h.snapshot();
    const answer = await h.post('/limits', { perDay: '1' });
    expect(answer.status).toBe(404);
    expect(await h.snapshot()).toEqual(before);
  });
});

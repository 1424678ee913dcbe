import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { formatAmount, groupDigits } from '../operator/readable.js';

/** Amounts shown to people: grouped on the exact decimal text, never through a float. */
describe('amounts are shown with their thousands grouped, exactly', () => {
  test('a whole amount in a two-decimal currency shows its cents: 99999999 USD is 99,999,999.00 USD', () => {
    expect(formatAmount('99999999', 'USD')).toBe('99,999,999.00 USD');
    expect(formatAmount('1234.5', 'EUR')).toBe('1,234.50 EUR');
    expect(formatAmount('1000', 'JPY')).toBe('1,000 JPY');
    expect(formatAmount('1.23', 'KWD')).toBe('1.230 KWD');
    expect(formatAmount('999', 'USD')).toBe('999.00 USD');
  });

  test('grouping agrees with Intl on every safe integer (Intl as the oracle where a Number is exact)', () => {
    const intl = new Intl.NumberFormat('en-US', { useGrouping: true, maximumFractionDigits: 0 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(groupDigits(String(n))).toBe(intl.format(n));
      }),
      { numRuns: 2000 },
    );
  });

  test('an amount far beyond what a float holds keeps every digit: removing the commas gives the text back', () => {
    const digits = fc.stringMatching(/^[1-9]\d{0,60}$/);
    fc.assert(
      fc.property(digits, fc.option(fc.stringMatching(/^\d{1,20}$/), { nil: undefined }), (whole, fraction) => {
        const amount = fraction === undefined ? whole : `${whole}.${fraction}`;
        const shown = groupDigits(amount);
        expect(shown.replaceAll(',', '')).toBe(amount);
        const [grouped] = shown.split('.');
        const groups = grouped!.split(',');
        expect(groups[0]!.length).toBeGreaterThanOrEqual(1);
        expect(groups[0]!.length).toBeLessThanOrEqual(3);
        for (const group of groups.slice(1)) expect(group).toHaveLength(3);
      }),
    );
    expect(groupDigits('123456789012345678901234567890.000000000000000001')).toBe(
      '123,456,789,012,345,678,901,234,567,890.000000000000000001',
    );
  });

  test('a longer fraction than the currency has is shown as written, never rounded', () => {
    expect(formatAmount('1000.129', 'USD')).toBe('1,000.129 USD');
  });

  test('text that is not a plain decimal is shown unchanged', () => {
    for (const text of ['—', '1e21', '12,345', ' ', 'abc']) expect(groupDigits(text)).toBe(text);
  });
});

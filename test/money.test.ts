import { describe, expect, test } from '@jest/globals';
import { toMinorUnits } from '../functions/shared/money.js';
import { ValidationError } from '../functions/shared/errors.js';

describe('major units to Stripe minor units', () => {
  test.each([
    ['20.15', 'USD', 'payout', 2015],
    ['0.29', 'usd', 'payout', 29],
    ['1.1', 'EUR', 'payout', 110],
    ['100.00', 'GBP', 'transfer', 10000],
    ['1000', 'JPY', 'payout', 1000],
    ['5000', 'KRW', 'transfer', 5000],
    ['1.23', 'KWD', 'payout', 1230],
    ['7.5', 'BHD', 'transfer', 7500],
    ['100', 'ISK', 'payout', 10000],
    ['100', 'HUF', 'payout', 10000],
    ['100.50', 'HUF', 'transfer', 10050],
    ['250', 'TWD', 'payout', 25000],
    ['4503599627370.49', 'USD', 'payout', 450359962737049],
  ] as const)('%s %s (%s) is %i', (amount, currency, kind, minor) => {
    expect(toMinorUnits(amount, currency, kind)).toBe(minor);
  });

  test.each([
    ['1.005', 'USD', 'payout', /at most 2 decimal places/],
    ['10.5', 'JPY', 'payout', /at most 0 decimal places/],
    ['1.235', 'KWD', 'payout', /multiple of 0.010/],
    ['1.2345', 'KWD', 'payout', /at most 3 decimal places/],
    ['100.50', 'ISK', 'transfer', /whole units/],
    ['100.5', 'HUF', 'payout', /whole units/],
    ['0.99', 'TWD', 'payout', /whole units/],
    ['0', 'USD', 'payout', /greater than zero/],
    ['0.00', 'USD', 'payout', /greater than zero/],
    ['-5.00', 'USD', 'payout', /positive decimal/],
    ['1e3', 'USD', 'payout', /positive decimal/],
    ['', 'USD', 'payout', /positive decimal/],
    ['12,50', 'EUR', 'payout', /positive decimal/],
    ['NaN', 'USD', 'payout', /positive decimal/],
    ['99999999999999999', 'USD', 'payout', /too large/],
    ['10', 'US', 'payout', /three-letter/],
    ['10', 'U$D', 'payout', /three-letter/],
  ] as const)('%s %s (%s) is refused, never rounded', (amount, currency, kind, message) => {
    expect(() => toMinorUnits(amount, currency, kind)).toThrow(ValidationError);
    expect(() => toMinorUnits(amount, currency, kind)).toThrow(message);
  });
});

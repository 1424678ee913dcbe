import { Decimal } from 'decimal.js';
import { ValidationError } from './errors.js';

/** Stripe's zero-decimal currencies: the amount is already in the smallest unit. */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
/** Three-decimal currencies: Stripe wants the last digit of the minor amount to be 0. */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
/** Two-decimal in the API, but only whole units can be paid: the minor amount must be divisible by 100. */
const WHOLE_UNITS_ALWAYS = new Set(['ISK']);
const WHOLE_UNITS_FOR_PAYOUTS = new Set(['HUF', 'TWD']);

export type MoveKind = 'payout' | 'transfer';

/**
 * The description the gateway gives each payout it makes (Stripe allows 350 characters).
 * Stripe never changes a payout's description afterwards, unlike its metadata: reconciliation
 * finds the gateway's payouts by it too.
 */
export const payoutDescription = (cashOutId: string): string => `Village cash-out ${cashOutId}`.slice(0, 350);

/** A decimal written the way a person writes money: no exponent, no sign, no spaces. */
const DECIMAL_TEXT = /^\d+(\.\d+)?$/;

/**
 * The ISO 4217 codes Stripe can pay out or transfer in (Stripe's "supported currencies" list,
 * https://docs.stripe.com/currencies). Written out rather than taken from a package: no kept
 * package follows Stripe's list, which is narrower than ISO 4217 (no XAU, no BOV, no SVC…).
 */
export const STRIPE_CURRENCIES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CVE CZK ' +
    'DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW KWD KYD ' +
    'KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR ' +
    'RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD STD SZL THB TJS TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VND VUV WST XAF XCD XOF ' +
    'XPF YER ZAR ZMW'
  ).split(' '),
);

/** A currency Stripe supports, upper-cased; anything else is a 400 (`invalid_currency`). */
export function parseStripeCurrency(value: string): string {
  const code = parseCurrency(value);
  if (!STRIPE_CURRENCIES.has(code)) {
    throw new ValidationError(
      'invalid_currency',
      `currency ${code} is not a currency Stripe supports (https://docs.stripe.com/currencies); nothing was stored.`,
    );
  }
  return code;
}

export function parseCurrency(value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) {
    throw new ValidationError('invalid_currency', `currency must be a three-letter ISO 4217 code; got ${JSON.stringify(value)}.`);
  }
  return code;
}

export function currencyExponent(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

/**
 * Major units (an exact decimal string such as "20.15") to Stripe's integer minor units,
 * with no rounding anywhere: an amount that does not fit the currency is refused, never
 * rounded. "20.15" USD is 2015, "1000" JPY is 1000, "1.23" KWD is 1230.
 */
export function toMinorUnits(amount: string, currencyCode: string, kind: MoveKind): number {
  const currency = parseCurrency(currencyCode);
  const text = amount.trim();
  if (!DECIMAL_TEXT.test(text)) {
    throw new ValidationError(
      'invalid_amount',
      `amount must be a positive decimal number such as "100.00"; got ${JSON.stringify(amount)}.`,
    );
  }
  const major = new Decimal(text);
  const exponent = currencyExponent(currency);
  if (major.decimalPlaces() > exponent) {
    throw new ValidationError('invalid_amount', `${currency} amounts have at most ${exponent} decimal places; got ${text}.`);
  }
  const minor = major.times(new Decimal(10).pow(exponent));
  if (minor.isZero()) throw new ValidationError('invalid_amount', 'amount must be greater than zero.');
  if (minor.greaterThan(Number.MAX_SAFE_INTEGER)) {
    throw new ValidationError('invalid_amount', `amount ${text} ${currency} is too large.`);
  }
  if (exponent === 3 && !minor.mod(10).isZero()) {
    throw new ValidationError('invalid_amount', `${currency} amounts must be a multiple of 0.010; got ${text}.`);
  }
  const wholeUnitsOnly = WHOLE_UNITS_ALWAYS.has(currency) || (kind === 'payout' && WHOLE_UNITS_FOR_PAYOUTS.has(currency));
  if (wholeUnitsOnly && !minor.mod(100).isZero()) {
    throw new ValidationError('invalid_amount', `${currency} ${kind}s must be whole units; got ${text}.`);
  }
  return minor.toNumber();
}

import { currencyExponent } from '../functions/shared/money.js';
import { ValidationError } from '../functions/shared/errors.js';
import { parseSince, SINCE_FORMAT } from '../functions/shared/since.js';

/**
 * Times and amounts as the console and the operator commands take them from people and show
 * them to people. The routes never show either: they keep ISO times and exact decimals.
 */

/** `parseSince` as an ISO time, or a 400 naming the option (`name`) when the text is not a time. */
export function parseTimeInput(value: string, name: string, nowMs: number, options: { endOfDay?: boolean } = {}): string {
  const time = parseSince(value, nowMs, options);
  if (time === undefined) throw new ValidationError('bad_time', `${name} must be ${SINCE_FORMAT}, not "${value}".`);
  return new Date(time).toISOString();
}

/**
 * A time for people, the one way the console and the commands show one: UTC, to the second,
 * "2026-05-01 17:44:29 UTC". Machines (URLs, `datetime` attributes, JSON) keep the ISO time.
 */
export function readableTime(iso: string): string {
  const parsed = Date.parse(iso);
  if (Number.isNaN(parsed)) return iso;
  return `${new Date(parsed).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A plain decimal, optionally signed, as text: what `groupDigits` groups. */
const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * An exact decimal string for people: thousands grouped with commas ("99999999" →
 * "99,999,999"), on the text itself, never through a Number, so any length stays exact.
 * With `minDecimals`, a shorter fraction is padded with zeros ("5" → "5.00"); a longer one is
 * kept as written (nothing is rounded). Text that is not a plain decimal is returned unchanged.
 */
export function groupDigits(amount: string, minDecimals = 0): string {
  const parts = PLAIN_DECIMAL.exec(amount.trim());
  if (!parts) return amount;
  const [, sign, whole, fraction = ''] = parts;
  const grouped = whole!.replace(/\B(?=(\d{3})+$)/g, ',');
  const decimals = fraction.padEnd(minDecimals, '0');
  return `${sign}${grouped}${decimals ? `.${decimals}` : ''}`;
}

/** An amount in major units with its currency, grouped and with the currency's decimals: "99,999,999.00 USD". */
export function formatAmount(amount: string, currency: string): string {
  const code = currency.trim().toUpperCase();
  const exponent = /^[A-Z]{3}$/.test(code) ? currencyExponent(code) : 0;
  return `${groupDigits(amount, exponent)} ${currency}`;
}

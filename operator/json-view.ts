import { parse, stringify } from 'lossless-json';

/** Keys whose values are never shown: a PaymentIntent's `client_secret`, keys, tokens, passwords. */
const SECRET_KEY = /secret|password|passwd|api[_-]?key|private[_-]?key|(^|_)token$|authorization/i;

export const REDACTED = '[redacted]';

/**
 * Secrets by their shape, wherever they sit (inside a URL, a note): Stripe client secrets
 * (`pi_…_secret_…`, `src_client_secret_…`; Stripe's 3-D Secure redirect URL carries one),
 * secret and restricted API keys, webhook signing secrets.
 */
const SECRET_VALUE = /\b[A-Za-z0-9_]*_secret_[A-Za-z0-9]+|\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9+/=]+/g;

/** Replaces the values of secret-looking keys, and secret-shaped text in any value, at any depth. Numbers stay exact (lossless-json). */
function redact(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(SECRET_VALUE, REDACTED);
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, SECRET_KEY.test(key) && inner !== null ? REDACTED : redact(inner)]),
    );
  }
  return value;
}

/**
 * A stored body for a person to read: pretty-printed, numbers exactly as sent, secrets
 * redacted. Text that is not JSON is shown as it is.
 */
export function readableJson(text: string): string {
  try {
    return stringify(redact(parse(text)), null, 2) ?? text;
  } catch {
    return text.replace(SECRET_VALUE, REDACTED);
  }
}

/** An item from a table, for a person to read: the same redaction, sets as lists. */
export function readableItem(item: Record<string, unknown>): string {
  const plain = JSON.parse(JSON.stringify(item, (_key, value: unknown) => (value instanceof Set ? [...value] : value))) as unknown;
  return JSON.stringify(redact(plain), null, 2);
}

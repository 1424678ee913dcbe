import { email, looseObject, maxLength, pipe, string, trim } from 'zod/mini';
import { ValidationError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hmac.js';
import { parseJsonExact, type JsonValue } from '../shared/json.js';
import { toMinorUnits, parseStripeCurrency, type MoveKind } from '../shared/money.js';
import { normaliseEmail } from '../shared/recipients.js';

/** Fields whose value, when present, is the cash-out's own id (first match wins). */
export const DEFAULT_ID_FIELDS = ['cash_out_id', 'cashout_id', 'id', 'transaction_id', 'request_id'];

const CASH_OUT_ID = /^[A-Za-z0-9_.:@-]{1,200}$/;

/** Numbers arrive as their exact text (see parseJsonExact), so `amount` is always a string here. */
const Payload = looseObject({
  destination_email: pipe(string().check(trim(), maxLength(320)), email()),
  amount: string(),
  currency: string(),
});

export interface CashOutRequest {
  cashOutId: string;
  /** Where the id came from: a payload field, or the SHA-256 of the raw body. */
  cashOutIdSource: string;
  destinationEmail: string;
  /** Exact decimal major units as sent, e.g. "20.15". */
  amount: string;
  currency: string;
  amountMinor: number;
  /** Identifies the money movement asked for, so a reused id with other terms is caught. */
  fingerprint: string;
  /** The body as received, unknown fields and all. */
  payload: string;
}

/**
 * Without an id field, the cash-out is known by the SHA-256 of its raw body (DESIGN.md): two
 * byte-identical bodies are one cash-out, the second answered from the first. Where Village is
 * known to send an id, `requireId` refuses bodies without one instead.
 */
export function parseCashOut(
  text: string,
  bodyBytes: Buffer,
  mode: MoveKind,
  idFields: readonly string[] = DEFAULT_ID_FIELDS,
  options: { requireId?: boolean } = {},
): CashOutRequest {
  const json: JsonValue = parseJsonExact(text);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ValidationError('malformed_payload', 'The body must be a JSON object.');
  }
  const result = Payload.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    throw new ValidationError('malformed_payload', `The cash-out is missing or has invalid fields: ${problems}.`);
  }
  const { destination_email, amount, currency } = result.data;
  const currencyCode = parseStripeCurrency(currency);
  const amountMinor = toMinorUnits(amount, currencyCode, mode);

  const idField = idFields.find((field) => {
    const value = json[field];
    return typeof value === 'string' && value.trim() !== '';
  });
  let cashOutId: string;
  if (idField) {
    cashOutId = String(json[idField]).trim();
    if (!CASH_OUT_ID.test(cashOutId)) {
      throw new ValidationError('malformed_payload', `${idField} must be 1–200 letters, digits or _ . : @ -.`);
    }
  } else if (options.requireId) {
    throw new ValidationError(
      'missing_cash_out_id',
      `The cash-out has no id: one of ${idFields.join(', ')} is required (VILLAGE_REQUIRE_ID); nothing was paid.`,
    );
  } else {
    cashOutId = `sha256-${sha256Hex(bodyBytes)}`;
  }
  const destinationEmail = normaliseEmail(destination_email);
  return {
    cashOutId,
    cashOutIdSource: idField ?? 'body-sha256',
    destinationEmail,
    amount: amount.trim(),
    currency: currencyCode,
    amountMinor,
    fingerprint: sha256Hex(JSON.stringify([destinationEmail, currencyCode, amountMinor])),
    payload: text,
  };
}

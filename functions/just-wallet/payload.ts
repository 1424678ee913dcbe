import {
  array,
  boolean,
  enum as oneOf,
  looseObject,
  maxLength,
  minLength,
  never,
  nullish,
  object,
  pipe,
  record,
  regex,
  string,
  toLowerCase,
  toUpperCase,
  transform,
  trim,
  union,
  type output,
  type ZodMiniType,
} from 'zod/mini';
import { ValidationError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hmac.js';
import { parseJsonExact, type JsonValue } from '../shared/json.js';
import { FUNDING, PAYOUT, QUOTE, rankOf, type Lifecycle } from './lifecycle.js';

/** The top-level key holding the event type: one key, with a dot in its name. */
export const TYPE_KEY = 'event.type';

/** The types Just Wallet sends; `funding` is what its sample calls `collection`. */
export const EVENT_TYPES = [
  'payout',
  'collection',
  'funding',
  'quote_creation.success',
  'quote_creation.failed',
  'quote_funding.success',
  'quote_funding.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A change to one record, as an event asks for it. */
export interface RecordChange {
  lifecycle: Lifecycle;
  id: string;
  status: string;
  /** What Just Wallet said about the object, under its own names; money as exact decimal strings. */
  fields: Record<string, JsonValue>;
  /** The provider's timestamps in the event (created_at, updated_at, completed_at), for the history. */
  timestamps: Record<string, string>;
}

export type JustWalletEvent =
  | { kind: 'change'; type: EventType; eventKey: string; change: RecordChange }
  /** A known type whose status is not in the lifecycle: kept, acknowledged, not applied. */
  | { kind: 'unknown_status'; type: EventType; eventKey: string; objectId: string; status: string }
  /** A type this gateway does not know: kept, acknowledged, not applied. */
  | { kind: 'unknown_type'; type: string; eventKey: string };

// Numbers arrive as their exact text (parseJsonExact), so every field here is a string.
// zod/mini, imported by name so the bundle keeps only what is used (about 30 KB of zod
// instead of 440 KB: a faster cold start, measured by npm run bench), as stripe-objects.ts does.
const DECIMAL = /^\d+(\.\d+)?$/;
const decimal = string().check(trim(), regex(DECIMAL, 'must be a decimal number such as "100.00"'));
const id = string().check(trim(), minLength(1), maxLength(200), regex(/^[^\p{Cc}]+$/u, 'must not contain control characters'));
const currency = string().check(trim(), toUpperCase(), regex(/^[A-Z0-9]{3,10}$/, 'must be a currency code such as "USD"'));
const status = string().check(trim(), minLength(1), maxLength(50), toLowerCase());
const timestamp = nullish(string().check(trim(), maxLength(64)));
const label = nullish(string().check(trim(), maxLength(200)));
const funded = nullish(
  pipe(
    union([boolean(), oneOf(['true', 'false', '1', '0'])]),
    transform((value: boolean | 'true' | 'false' | '1' | '0') => value === true || value === 'true' || value === '1'),
  ),
);

/** What a payout and a funding both carry: the money and its state. */
const moneyMovement = { id, status, currency, amount: decimal, charge: nullish(decimal) };

const PayoutEvent = looseObject({
  data: looseObject({
    ...moneyMovement,
    recipient_id: nullish(id),
    bank_id: nullish(id),
    rail: label,
    created_at: timestamp,
    completed_at: timestamp,
  }),
});

const FundingEvent = looseObject({
  data: looseObject({
    ...moneyMovement,
    created_at: timestamp,
    updated_at: timestamp,
  }),
});

/** `errors` of a quote creation: quote ids → messages. An empty one may come as `[]`. */
// Keys must be non-empty: DynamoDB refuses an empty map key, which would turn a signed but odd
// body into a 500 (and an endless redelivery) instead of a 400.
const errorKey = string().check(minLength(1), maxLength(200));
const errorMessages = record(errorKey, array(string()));
const creationErrors = nullish(
  union([
    errorMessages,
    pipe(
      array(never()),
      transform((): Record<string, string[]> => ({})),
    ),
  ]),
);

const QuoteCreationSuccessEvent = looseObject({
  meta: nullish(array(id)),
  data: looseObject({
    id,
    funded,
    mode: label,
    // Only the three amounts are kept per currency (object drops other keys), so nothing
    // arbitrary (empty keys, deep nesting) reaches the record; the raw body keeps it all.
    quote: record(currency, object({ amount: decimal, charge: decimal, total: decimal })),
    errors: creationErrors,
  }),
});

const QuoteCreationFailedEvent = looseObject({
  meta: nullish(array(id)),
  data: looseObject({
    id: nullish(id),
    funded,
    mode: label,
    errors: errorMessages,
  }),
});

const QuoteFundingEvent = looseObject({
  data: looseObject({
    id,
    funded,
    mode: label,
    errors: nullish(union([string(), array(string())])),
  }),
});

/**
 * A verified body to the event it describes. A body that is not a JSON object, has no
 * `"event.type"`, or whose fields are not as the type requires is a ValidationError (400);
 * an unknown type or status is returned as such, to be kept and acknowledged.
 */
export function parseJustWalletEvent(text: string, bodyBytes: Buffer): JustWalletEvent {
  const json = parseJsonExact(text);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ValidationError('malformed_payload', 'The body must be a JSON object.');
  }
  const type = json[TYPE_KEY];
  if (typeof type !== 'string' || type.trim() === '' || type.length > 100) {
    throw new ValidationError('malformed_payload', `The body must have a top-level "${TYPE_KEY}" string of at most 100 characters.`);
  }
  const bodyHash = `sha256-${sha256Hex(bodyBytes)}`;
  if (!isEventType(type)) return { kind: 'unknown_type', type, eventKey: `just-wallet:${type}:${bodyHash}` };
  return READERS[type](json, type, bodyHash);
}

function isEventType(type: string): type is EventType {
  return (EVENT_TYPES as readonly string[]).includes(type);
}

/** Reads one known type's body (already a JSON object) into its event. */
type Reader = (json: JsonValue, type: EventType, bodyHash: string) => JustWalletEvent;

const readPayout: Reader = (json, type) => {
  const { data } = validate(PayoutEvent, json, type);
  const { id: payoutId, status: payoutStatus, created_at, completed_at } = data;
  const fields = present({
    recipient_id: data.recipient_id,
    bank_id: data.bank_id,
    rail: data.rail,
    currency: data.currency,
    amount: data.amount,
    charge: data.charge,
    created_at,
    completed_at,
  });
  return lifecycleEvent(type, 'payout', PAYOUT, payoutId, payoutStatus, fields, { created_at, completed_at });
};

const readFunding: Reader = (json, type) => {
  const { data } = validate(FundingEvent, json, type);
  const { created_at, updated_at } = data;
  const fields = present({ currency: data.currency, amount: data.amount, charge: data.charge, created_at, updated_at });
  // One name in the key for both spellings, so a redelivery under the other is still a duplicate.
  return lifecycleEvent(type, 'collection', FUNDING, data.id, data.status, fields, { created_at, updated_at });
};

const readQuoteCreationSuccess: Reader = (json, type) => {
  const { meta, data } = validate(QuoteCreationSuccessEvent, json, type);
  const fields = present({
    creation: 'success',
    meta,
    funded: data.funded,
    mode: data.mode,
    quote: data.quote as Record<string, JsonValue>,
    creation_errors: data.errors,
  });
  return quoteEvent(type, data.id, fields);
};

const readQuoteCreationFailed: Reader = (json, type, bodyHash) => {
  const { meta, data } = validate(QuoteCreationFailedEvent, json, type);
  const fields = present({ creation: 'failed', meta, funded: data.funded, mode: data.mode, creation_errors: data.errors });
  // A refused quote may have no id of its own: it is kept under the body's hash.
  return quoteEvent(type, data.id ?? bodyHash, fields);
};

const readQuoteFunding: Reader = (json, type) => {
  const { data } = validate(QuoteFundingEvent, json, type);
  const funding = type === 'quote_funding.success' ? 'success' : 'failed';
  const fields = present({ funding, funded: data.funded, mode: data.mode, funding_errors: data.errors });
  return quoteEvent(type, data.id, fields);
};

const READERS: Readonly<Record<EventType, Reader>> = {
  payout: readPayout,
  collection: readFunding,
  funding: readFunding,
  'quote_creation.success': readQuoteCreationSuccess,
  'quote_creation.failed': readQuoteCreationFailed,
  'quote_funding.success': readQuoteFunding,
  'quote_funding.failed': readQuoteFunding,
};

function lifecycleEvent(
  type: EventType,
  keyType: string,
  lifecycle: Lifecycle,
  objectId: string,
  objectStatus: string,
  fields: Record<string, JsonValue>,
  timestamps: Record<string, string | null | undefined>,
): JustWalletEvent {
  const eventKey = `just-wallet:${keyType}:${objectId}:${objectStatus}`;
  if (rankOf(lifecycle, objectStatus) === undefined) return { kind: 'unknown_status', type, eventKey, objectId, status: objectStatus };
  return {
    kind: 'change',
    type,
    eventKey,
    change: { lifecycle, id: objectId, status: objectStatus, fields, timestamps: present(timestamps) as Record<string, string> },
  };
}

/** A quote's status is the event's type, so the type and the quote id identify the event. */
function quoteEvent(type: EventType, quoteId: string, fields: Record<string, JsonValue>): JustWalletEvent {
  return {
    kind: 'change',
    type,
    eventKey: `just-wallet:${type}:${quoteId}`,
    change: { lifecycle: QUOTE, id: quoteId, status: type, fields: bounded(fields), timestamps: {} },
  };
}

/**
 * The most of one field a record keeps (its JSON, in bytes). A quote's `meta`, `quote` and
 * `errors` are as large as a 256 KB body allows, and a record keeps four such fields: bounded
 * each, the record stays far below DynamoDB's 400 KB item (a larger one would fail every write
 * to it, a 500 Just Wallet retries for ever). A field past this is left out of the record, which
 * notes its size (`<field>_omitted_bytes`); the event's raw body, kept whole, still holds it.
 */
export const RECORD_FIELD_ROOM = 32 * 1024;

function bounded(fields: Record<string, JsonValue>): Record<string, JsonValue> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => {
      const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
      return bytes > RECORD_FIELD_ROOM ? [`${name}_omitted_bytes`, bytes] : [name, value];
    }),
  );
}

function validate<T extends ZodMiniType>(schema: T, json: JsonValue, type: string): output<T> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
  throw new ValidationError('malformed_payload', `The ${type} event is missing or has invalid fields: ${problems}.`);
}

/** Drops absent and null fields, so a record never has an attribute the provider did not send. */
function present(fields: Record<string, JsonValue | undefined>): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null)) as Record<
    string,
    JsonValue
  >;
}

import { z } from 'zod';
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
const DECIMAL = /^\d+(\.\d+)?$/;
const decimal = z.string().trim().regex(DECIMAL, 'must be a decimal number such as "100.00"');
const id = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');
const currency = z
  .string()
  .trim()
  .transform((value) => value.toUpperCase())
  .pipe(z.string().regex(/^[A-Z0-9]{3,10}$/, 'must be a currency code such as "USD"'));
const status = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .transform((value) => value.toLowerCase());
const timestamp = z.string().trim().max(64).nullish();
const label = z.string().trim().max(200).nullish();
const funded = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((value) => value === true || value === 'true' || value === '1')
  .nullish();

const PayoutEvent = z.looseObject({
  data: z.looseObject({
    id,
    status,
    currency,
    amount: decimal,
    charge: decimal.nullish(),
    recipient_id: id.nullish(),
    bank_id: id.nullish(),
    rail: label,
    created_at: timestamp,
    completed_at: timestamp,
  }),
});

const FundingEvent = z.looseObject({
  data: z.looseObject({
    id,
    status,
    currency,
    amount: decimal,
    charge: decimal.nullish(),
    created_at: timestamp,
    updated_at: timestamp,
  }),
});

/** `errors` of a quote creation: quote ids → messages. An empty one may come as `[]`. */
// Keys must be non-empty: DynamoDB refuses an empty map key, which would turn a signed but odd
// body into a 500 (and an endless redelivery) instead of a 400.
const errorKey = z.string().min(1).max(200);
const creationErrors = z.union([z.record(errorKey, z.array(z.string())), z.array(z.never()).transform(() => ({}))]).nullish();

const QuoteCreationSuccessEvent = z.looseObject({
  meta: z.array(id).nullish(),
  data: z.looseObject({
    id,
    funded,
    mode: label,
    // Only the three amounts are kept per currency (z.object drops other keys), so nothing
    // arbitrary (empty keys, deep nesting) reaches the record; the raw body keeps it all.
    quote: z.record(currency, z.object({ amount: decimal, charge: decimal, total: decimal })),
    errors: creationErrors,
  }),
});

const QuoteCreationFailedEvent = z.looseObject({
  meta: z.array(id).nullish(),
  data: z.looseObject({
    id: id.nullish(),
    funded,
    mode: label,
    errors: z.record(errorKey, z.array(z.string())),
  }),
});

const QuoteFundingEvent = z.looseObject({
  data: z.looseObject({
    id,
    funded,
    mode: label,
    errors: z.union([z.string(), z.array(z.string())]).nullish(),
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
  switch (type) {
    case 'payout': {
      const { data } = validate(PayoutEvent, json, type);
      const fields = present({
        recipient_id: data.recipient_id,
        bank_id: data.bank_id,
        rail: data.rail,
        currency: data.currency,
        amount: data.amount,
        charge: data.charge,
        created_at: data.created_at,
        completed_at: data.completed_at,
      });
      return lifecycleEvent(type, 'payout', PAYOUT, data.id, data.status, fields, {
        created_at: data.created_at,
        completed_at: data.completed_at,
      });
    }
    case 'collection':
    case 'funding': {
      const { data } = validate(FundingEvent, json, type);
      const fields = present({
        currency: data.currency,
        amount: data.amount,
        charge: data.charge,
        created_at: data.created_at,
        updated_at: data.updated_at,
      });
      // One name in the key for both spellings, so a redelivery under the other is still a duplicate.
      return lifecycleEvent(type, 'collection', FUNDING, data.id, data.status, fields, {
        created_at: data.created_at,
        updated_at: data.updated_at,
      });
    }
    case 'quote_creation.success': {
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
    }
    case 'quote_creation.failed': {
      const { meta, data } = validate(QuoteCreationFailedEvent, json, type);
      const fields = present({ creation: 'failed', meta, funded: data.funded, mode: data.mode, creation_errors: data.errors });
      // A refused quote may have no id of its own: it is kept under the body's hash.
      return quoteEvent(type, data.id ?? bodyHash, fields);
    }
    case 'quote_funding.success':
    case 'quote_funding.failed': {
      const { data } = validate(QuoteFundingEvent, json, type);
      const fields = present({
        funding: type === 'quote_funding.success' ? 'success' : 'failed',
        funded: data.funded,
        mode: data.mode,
        funding_errors: data.errors,
      });
      return quoteEvent(type, data.id, fields);
    }
    default:
      return { kind: 'unknown_type', type, eventKey: `just-wallet:${type}:${bodyHash}` };
  }
}

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

function validate<T extends z.ZodType>(schema: T, json: JsonValue, type: string): z.infer<T> {
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

import Stripe from 'stripe';
import type { Clock } from '../shared/clock.js';
import { SignatureError, ValidationError } from '../shared/errors.js';
import { header } from '../shared/http.js';
import { matchesAnySecret, secretValues, type SecretSource } from '../shared/secrets.js';
import { boolean, int, literal, minLength, nonnegative, nullish, object, optional, regex, string, type core, type output } from 'zod/mini';
import { ACCOUNT_ID } from '../shared/recipients.js';
import { OBJECTS, type ObjectKind, type StripeObjects } from './stripe-objects.js';

export { Refund, type ObjectKind, type StripeObjects } from './stripe-objects.js';

/**
 * A Stripe event as the route takes it in: its signature checked on the raw body
 * (`verifyStripeEvent`, the SDK's `constructEvent`), then parsed (`parseStripeEvent`) into the
 * envelope every event has and the typed object its type carries (stripe-objects.ts).
 */

export const STRIPE_SIGNATURE_HEADER = 'Stripe-Signature';

/** The value the stack puts in an operator secret until the operator sets it. */
const NOT_SET = 'NOT_SET';

/** The SDK's message when the signature matches but its timestamp is too old. */
const STALE_MESSAGE = 'Timestamp outside the tolerance zone';

export interface VerifyOptions {
  /** The endpoint secrets to try: the platform endpoint's and, when set, the Connect endpoint's. */
  secrets: readonly SecretSource[];
  toleranceSeconds: number;
  clock: Clock;
}

/**
 * Checks `Stripe-Signature` with the SDK's `webhooks.constructEvent` on the raw body, against
 * every value of every configured endpoint secret (current and previous while rotating;
 * the SDK itself accepts any of several `v1` entries). Answers Stripe's way: 400 for a
 * missing, wrong or stale signature. Returns the event as JSON, not yet validated.
 */
export async function verifyStripeEvent(
  headers: Record<string, string | undefined> | undefined,
  rawBody: string,
  options: VerifyOptions,
): Promise<unknown> {
  const signature = header(headers, STRIPE_SIGNATURE_HEADER)?.trim();
  if (!signature) throw new SignatureError('signature_missing', `No ${STRIPE_SIGNATURE_HEADER} header.`, 400);
  if (!/(^|,)t=\d+(,|$)/.test(signature) || !/(^|,)v1=[0-9a-f]+(,|$)/i.test(signature)) {
    throw new SignatureError(
      'signature_malformed',
      `The ${STRIPE_SIGNATURE_HEADER} header must be "t=<unix seconds>,v1=<hex>[,v1=<hex>…]".`,
      400,
    );
  }
  if (!(await anySecretSet(options.secrets))) {
    // Our configuration, not the sender, is at fault: a 500 makes Stripe retry until it is fixed.
    throw new Error('No Stripe webhook signing secret is set: put the endpoint secret (whsec_…) into STRIPE_WEBHOOK_SECRET.');
  }

  const result: { event?: unknown; stale?: boolean; unparseable?: boolean } = {};
  const check = (secret: string): boolean => {
    if (secret === NOT_SET) return false;
    try {
      result.event = Stripe.webhooks.constructEvent(rawBody, signature, secret, options.toleranceSeconds, undefined, options.clock.now());
      return true;
    } catch (error) {
      if (error instanceof SyntaxError) {
        result.unparseable = true;
        return true;
      }
      if (isSignatureError(error) && error.message === STALE_MESSAGE) {
        result.stale = true;
        return true;
      }
      if (isSignatureError(error)) return false;
      throw error;
    }
  };
  for (const source of options.secrets) {
    if (await matchesAnySecret(source, check)) break;
  }
  if (result.stale) {
    throw new SignatureError(
      'signature_expired',
      `The ${STRIPE_SIGNATURE_HEADER} timestamp is more than ${options.toleranceSeconds} s old; a replayed event is refused.`,
      400,
    );
  }
  if (result.unparseable) throw new ValidationError('malformed_json', 'The signed body is not valid JSON.');
  if (result.event === undefined) {
    throw new SignatureError(
      'signature_mismatch',
      `No ${STRIPE_SIGNATURE_HEADER} v1 signature matches the body for any configured endpoint secret.`,
      400,
    );
  }
  return result.event;
}

function isSignatureError(error: unknown): error is Error {
  return error instanceof Stripe.errors.StripeSignatureVerificationError;
}

async function anySecretSet(sources: readonly SecretSource[]): Promise<boolean> {
  for (const source of sources) {
    if (secretValues(await source.get()).some((value) => value !== NOT_SET)) return true;
  }
  return false;
}

/**
 * The Stripe events the gateway acts on: the envelope every event has, and which object
 * schema (stripe-objects.ts) each type is parsed by. The raw body is stored whole.
 */

export const Envelope = object({
  id: string().check(regex(/^evt_[A-Za-z0-9]+$/)),
  object: literal('event'),
  type: string().check(minLength(1)),
  created: int().check(nonnegative()),
  livemode: boolean(),
  api_version: nullish(string()),
  /** Present on events from connected accounts (Connect). */
  account: optional(string().check(regex(ACCOUNT_ID))),
  // The object's id and kind only: the object itself is parsed once, by its own schema (parseStripeEvent).
  data: object({ object: object({ id: string().check(minLength(1)), object: string() }) }),
});

export type Envelope = output<typeof Envelope>;

/** The types named in DESIGN.md section 2; each has a fixture under test/events/stripe/. */
export const HANDLED_EVENT_TYPES: Readonly<Record<string, ObjectKind>> = {
  'payout.created': 'payout',
  'payout.updated': 'payout',
  'payout.paid': 'payout',
  'payout.failed': 'payout',
  'payout.canceled': 'payout',
  'payout.reconciliation_completed': 'payout',
  'charge.captured': 'charge',
  'charge.expired': 'charge',
  'charge.failed': 'charge',
  'charge.pending': 'charge',
  'charge.refunded': 'charge',
  'charge.succeeded': 'charge',
  'charge.updated': 'charge',
  'charge.refund.updated': 'refund',
  'charge.dispute.created': 'dispute',
  'charge.dispute.updated': 'dispute',
  'charge.dispute.closed': 'dispute',
  'charge.dispute.funds_reinstated': 'dispute',
  'charge.dispute.funds_withdrawn': 'dispute',
  'payment_intent.created': 'payment_intent',
  'payment_intent.processing': 'payment_intent',
  'payment_intent.requires_action': 'payment_intent',
  'payment_intent.amount_capturable_updated': 'payment_intent',
  'payment_intent.partially_funded': 'payment_intent',
  'payment_intent.succeeded': 'payment_intent',
  'payment_intent.payment_failed': 'payment_intent',
  'payment_intent.canceled': 'payment_intent',
  'refund.created': 'refund',
  'refund.updated': 'refund',
  'refund.failed': 'refund',
  'radar.early_fraud_warning.created': 'early_fraud_warning',
  'radar.early_fraud_warning.updated': 'early_fraud_warning',
  'file.created': 'file',
  'reporting.report_run.succeeded': 'report_run',
  'reporting.report_run.failed': 'report_run',
  'reporting.report_type.updated': 'report_type',
  'checkout.session.async_payment_succeeded': 'checkout_session',
  'transfer.created': 'transfer',
  'transfer.reversed': 'transfer',
  'transfer.updated': 'transfer',
  'account.updated': 'account',
};

/**
 * Types Stripe may add to the groups the operator subscribes to ("all events of the group")
 * are handled by the object they carry; anything else is acknowledged and stored only.
 */
const GROUP_PREFIXES: readonly [string, ObjectKind][] = [
  ['payout.', 'payout'],
  ['transfer.', 'transfer'],
  ['payment_intent.', 'payment_intent'],
  ['charge.dispute.', 'dispute'],
  ['charge.refund.', 'refund'],
  ['charge.', 'charge'],
  ['refund.', 'refund'],
  ['radar.early_fraud_warning.', 'early_fraud_warning'],
  ['file.', 'file'],
  ['reporting.report_run.', 'report_run'],
  ['reporting.report_type.', 'report_type'],
];

export function objectKindOf(type: string): ObjectKind | undefined {
  return HANDLED_EVENT_TYPES[type] ?? GROUP_PREFIXES.find(([prefix]) => type.startsWith(prefix))?.[1];
}

export type ParsedObject = { [K in ObjectKind]: { kind: K; object: StripeObjects[K] } }[ObjectKind] | { kind: 'unknown' };

export interface StripeEvent {
  envelope: Envelope;
  parsed: ParsedObject;
}

/** Validates a verified event: the envelope always, the object when the type is one the gateway acts on. */
export function parseStripeEvent(json: unknown): StripeEvent {
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) throw new ValidationError('malformed_event', `The event is not a Stripe event: ${describe(envelope.error)}.`);
  const kind = objectKindOf(envelope.data.type);
  if (!kind) return { envelope: envelope.data, parsed: { kind: 'unknown' } };
  const object = OBJECTS[kind].safeParse((json as { data: { object: unknown } }).data.object);
  if (!object.success) {
    throw new ValidationError(
      'malformed_event',
      `The ${envelope.data.type} event's data.object is not a valid ${kind}: ${describe(object.error)}.`,
    );
  }
  return { envelope: envelope.data, parsed: { kind, object: object.data } as ParsedObject };
}

function describe(error: core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

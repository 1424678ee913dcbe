import { boolean, int, literal, minLength, nonnegative, nullish, object, optional, regex, string, type core, type output } from 'zod/mini';
import { ValidationError } from '../shared/errors.js';
import { ACCOUNT_ID } from '../shared/recipients.js';
import { OBJECTS, type ObjectKind, type StripeObjects } from './stripe-objects.js';

export { Refund, type ObjectKind, type StripeObjects } from './stripe-objects.js';

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

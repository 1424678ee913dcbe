import { z } from 'zod';
import { ValidationError } from '../shared/errors.js';
import { ACCOUNT_ID } from '../shared/recipients.js';

/**
 * The Stripe events the gateway acts on, and the fields of each object it uses. Only those
 * fields are read (zod's default: unknown keys are dropped, not copied: a Stripe object has
 * dozens); the raw body is stored whole. Amounts are Stripe's integers in minor units, as sent.
 */

const minor = z.number().int().safe();
const unixSeconds = z.number().int().nonnegative();
const metadata = z.record(z.string(), z.string()).nullish();
/** An id, or the object when expanded. */
const ref = z
  .union([z.string(), z.object({ id: z.string() })])
  .nullish()
  .transform((value) => (value == null ? undefined : typeof value === 'string' ? value : value.id));
const text = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

export const PAYOUT_STATUSES = ['pending', 'in_transit', 'paid', 'failed', 'canceled'] as const;

export const Payout = z.object({
  id: z.string().startsWith('po_'),
  object: z.literal('payout'),
  amount: minor,
  currency: z.string(),
  status: z.enum(PAYOUT_STATUSES),
  created: unixSeconds,
  arrival_date: unixSeconds.nullish(),
  failure_code: text,
  failure_message: text,
  reconciliation_status: text,
  metadata,
});

export const Transfer = z.object({
  id: z.string().startsWith('tr_'),
  object: z.literal('transfer'),
  amount: minor,
  amount_reversed: minor.default(0),
  currency: z.string(),
  destination: ref,
  transfer_group: text,
  reversed: z.boolean().default(false),
  created: unixSeconds,
  metadata,
});

const PaymentError = z.object({ type: text, code: text, decline_code: text, message: text }).nullish();

export const PaymentIntent = z.object({
  id: z.string().startsWith('pi_'),
  object: z.literal('payment_intent'),
  status: z.enum([
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'processing',
    'requires_capture',
    'canceled',
    'succeeded',
  ]),
  amount: minor,
  amount_capturable: minor.nullish(),
  amount_received: minor.nullish(),
  currency: z.string(),
  customer: ref,
  latest_charge: ref,
  last_payment_error: PaymentError,
  cancellation_reason: text,
  created: unixSeconds,
  metadata,
});

export const Charge = z.object({
  id: z.string().regex(/^(ch|py)_/),
  object: z.literal('charge'),
  status: z.enum(['succeeded', 'pending', 'failed']),
  amount: minor,
  amount_captured: minor.nullish(),
  amount_refunded: minor.nullish(),
  captured: z.boolean(),
  refunded: z.boolean(),
  currency: z.string(),
  payment_intent: ref,
  customer: ref,
  failure_code: text,
  failure_message: text,
  outcome: z.object({ type: text, network_status: text, reason: text }).nullish(),
  created: unixSeconds,
  metadata,
  /** Only in older API versions, or when expanded. */
  refunds: z.object({ data: z.array(z.unknown()) }).nullish(),
});

export const REFUND_STATUSES = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'] as const;

export const Refund = z.object({
  id: z.string().regex(/^(re|pyr)_/),
  object: z.literal('refund'),
  status: z.enum(REFUND_STATUSES),
  amount: minor,
  currency: z.string(),
  charge: ref,
  payment_intent: ref,
  reason: text,
  failure_reason: text,
  created: unixSeconds,
  metadata,
});

export const DISPUTE_STATUSES = [
  'warning_needs_response',
  'warning_under_review',
  'warning_closed',
  'needs_response',
  'under_review',
  'won',
  'lost',
  'prevented',
] as const;

export const Dispute = z.object({
  id: z.string().regex(/^(dp|du)_/),
  object: z.literal('dispute'),
  status: z.enum(DISPUTE_STATUSES),
  amount: minor,
  currency: z.string(),
  charge: ref,
  payment_intent: ref,
  reason: text,
  evidence_details: z.object({ due_by: unixSeconds.nullish() }).nullish(),
  created: unixSeconds,
});

export const EarlyFraudWarning = z.object({
  id: z.string().startsWith('issfr_'),
  object: z.literal('radar.early_fraud_warning'),
  actionable: z.boolean(),
  charge: ref,
  payment_intent: ref,
  fraud_type: text,
  created: unixSeconds,
});

export const CheckoutSession = z.object({
  id: z.string().startsWith('cs_'),
  object: z.literal('checkout.session'),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  status: text,
  payment_intent: ref,
  amount_total: minor.nullish(),
  currency: text,
  created: unixSeconds,
  metadata,
});

export const Account = z.object({
  id: z.string().regex(ACCOUNT_ID),
  object: z.literal('account'),
  payouts_enabled: z.boolean(),
  charges_enabled: z.boolean().nullish(),
});

export const File = z.object({
  id: z.string().startsWith('file_'),
  object: z.literal('file'),
  purpose: z.string(),
  size: z.number().int().nonnegative(),
  type: text,
  filename: text,
  created: unixSeconds,
  expires_at: unixSeconds.nullish(),
});

export const ReportRun = z.object({
  id: z.string().startsWith('frr_'),
  object: z.literal('reporting.report_run'),
  status: z.enum(['pending', 'succeeded', 'failed']),
  report_type: z.string(),
  /** The File: its id (and, when Stripe sends it expanded, the url its contents are downloaded from). */
  result: z
    .union([z.string(), z.object({ id: z.string(), url: z.string().url().nullish() })])
    .nullish()
    .transform((value) =>
      value == null ? undefined : typeof value === 'string' ? { id: value, url: undefined } : { id: value.id, url: value.url ?? undefined },
    ),
  parameters: z
    .object({ interval_start: unixSeconds.nullish(), interval_end: unixSeconds.nullish(), connected_account: z.string().nullish() })
    .nullish(),
  error: text,
  created: unixSeconds,
});

export const ReportType = z.object({
  id: z.string().min(1),
  object: z.literal('reporting.report_type'),
  name: text,
  data_available_start: unixSeconds,
  data_available_end: unixSeconds,
  version: z.number().int().nullish(),
  updated: unixSeconds.nullish(),
});

export const Envelope = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9]+$/),
  object: z.literal('event'),
  type: z.string().min(1),
  created: unixSeconds,
  livemode: z.boolean(),
  api_version: z.string().nullish(),
  /** Present on events from connected accounts (Connect). */
  account: z.string().regex(ACCOUNT_ID).optional(),
  // The object's id and kind only: the object itself is parsed once, by its own schema (parseStripeEvent).
  data: z.object({ object: z.object({ id: z.string().min(1), object: z.string() }) }),
});

export type Envelope = z.infer<typeof Envelope>;

const OBJECTS = {
  payout: Payout,
  transfer: Transfer,
  payment_intent: PaymentIntent,
  charge: Charge,
  refund: Refund,
  dispute: Dispute,
  early_fraud_warning: EarlyFraudWarning,
  checkout_session: CheckoutSession,
  account: Account,
  file: File,
  report_run: ReportRun,
  report_type: ReportType,
};

export type ObjectKind = keyof typeof OBJECTS;

/** What each kind of object parses to. */
export type StripeObjects = { [K in ObjectKind]: z.infer<(typeof OBJECTS)[K]> };

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

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

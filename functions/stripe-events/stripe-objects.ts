// zod/mini, imported by name so the bundle keeps only what is used (about 30 KB of zod instead
// of 440 KB: a faster cold start, measured by npm run bench), as functions/shared/config.ts does.
import {
  _default,
  array,
  boolean,
  enum as oneOf,
  int,
  literal,
  minLength,
  nonnegative,
  nullish,
  object,
  pipe,
  record,
  regex,
  startsWith,
  string,
  transform,
  union,
  unknown,
  url,
  type output,
} from 'zod/mini';
import { ACCOUNT_ID } from '../shared/recipients.js';

/**
 * The objects of the Stripe events the gateway acts on, and the fields of each it uses. Only
 * those fields are read (zod's default: unknown keys are dropped, not copied: a Stripe object
 * has dozens); the raw body is stored whole. Amounts are Stripe's integers in minor units, as sent.
 */

/** A safe integer. */
const minor = int();
const unixSeconds = int().check(nonnegative());
const metadata = nullish(record(string(), string()));
/** An id, or the object when expanded. */
const ref = pipe(
  nullish(union([string(), object({ id: string() })])),
  transform((value: string | { id: string } | null | undefined) =>
    value == null ? undefined : typeof value === 'string' ? value : value.id,
  ),
);
const text = pipe(
  nullish(string()),
  transform((value: string | null | undefined) => value ?? undefined),
);
const prefixed = (prefix: string) => string().check(startsWith(prefix));
const matching = (pattern: RegExp) => string().check(regex(pattern));

export const PAYOUT_STATUSES = ['pending', 'in_transit', 'paid', 'failed', 'canceled'] as const;

export const Payout = object({
  id: prefixed('po_'),
  object: literal('payout'),
  amount: minor,
  currency: string(),
  status: oneOf(PAYOUT_STATUSES),
  created: unixSeconds,
  arrival_date: nullish(unixSeconds),
  failure_code: text,
  failure_message: text,
  reconciliation_status: text,
  metadata,
});

export const Transfer = object({
  id: prefixed('tr_'),
  object: literal('transfer'),
  amount: minor,
  amount_reversed: _default(minor, 0),
  currency: string(),
  destination: ref,
  transfer_group: text,
  reversed: _default(boolean(), false),
  created: unixSeconds,
  metadata,
});

const PaymentError = nullish(object({ type: text, code: text, decline_code: text, message: text }));

export const PaymentIntent = object({
  id: prefixed('pi_'),
  object: literal('payment_intent'),
  status: oneOf([
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'processing',
    'requires_capture',
    'canceled',
    'succeeded',
  ]),
  amount: minor,
  amount_capturable: nullish(minor),
  amount_received: nullish(minor),
  currency: string(),
  customer: ref,
  latest_charge: ref,
  last_payment_error: PaymentError,
  cancellation_reason: text,
  created: unixSeconds,
  metadata,
});

export const Charge = object({
  id: matching(/^(ch|py)_/),
  object: literal('charge'),
  status: oneOf(['succeeded', 'pending', 'failed']),
  amount: minor,
  amount_captured: nullish(minor),
  amount_refunded: nullish(minor),
  captured: boolean(),
  refunded: boolean(),
  currency: string(),
  payment_intent: ref,
  customer: ref,
  failure_code: text,
  failure_message: text,
  outcome: nullish(object({ type: text, network_status: text, reason: text })),
  created: unixSeconds,
  metadata,
  /** Only in older API versions, or when expanded. */
  refunds: nullish(object({ data: array(unknown()) })),
});

export const REFUND_STATUSES = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'] as const;

/** What a refund and a dispute both say: the money taken back from a charge, and why. */
const takenBack = {
  amount: minor,
  currency: string(),
  charge: ref,
  payment_intent: ref,
  reason: text,
};

export const Refund = object({
  id: matching(/^(re|pyr)_/),
  object: literal('refund'),
  status: oneOf(REFUND_STATUSES),
  ...takenBack,
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

export const Dispute = object({
  id: matching(/^(dp|du)_/),
  object: literal('dispute'),
  status: oneOf(DISPUTE_STATUSES),
  ...takenBack,
  evidence_details: nullish(object({ due_by: nullish(unixSeconds) })),
  created: unixSeconds,
});

export const EarlyFraudWarning = object({
  id: prefixed('issfr_'),
  object: literal('radar.early_fraud_warning'),
  actionable: boolean(),
  charge: ref,
  payment_intent: ref,
  fraud_type: text,
  created: unixSeconds,
});

export const CheckoutSession = object({
  id: prefixed('cs_'),
  object: literal('checkout.session'),
  payment_status: oneOf(['paid', 'unpaid', 'no_payment_required']),
  status: text,
  payment_intent: ref,
  amount_total: nullish(minor),
  currency: text,
  created: unixSeconds,
  metadata,
});

export const Account = object({
  id: matching(ACCOUNT_ID),
  object: literal('account'),
  payouts_enabled: boolean(),
  charges_enabled: nullish(boolean()),
});

export const File = object({
  id: prefixed('file_'),
  object: literal('file'),
  purpose: string(),
  size: int().check(nonnegative()),
  type: text,
  filename: text,
  created: unixSeconds,
  expires_at: nullish(unixSeconds),
});

type ReportResult = string | { id: string; url?: string | null } | null | undefined;

export const ReportRun = object({
  id: prefixed('frr_'),
  object: literal('reporting.report_run'),
  status: oneOf(['pending', 'succeeded', 'failed']),
  report_type: string(),
  /** The File: its id (and, when Stripe sends it expanded, the url its contents are downloaded from). */
  result: pipe(
    nullish(union([string(), object({ id: string(), url: nullish(url()) })])),
    transform((value: ReportResult) =>
      value == null ? undefined : typeof value === 'string' ? { id: value, url: undefined } : { id: value.id, url: value.url ?? undefined },
    ),
  ),
  parameters: nullish(
    object({ interval_start: nullish(unixSeconds), interval_end: nullish(unixSeconds), connected_account: nullish(string()) }),
  ),
  error: text,
  created: unixSeconds,
});

export const ReportType = object({
  id: string().check(minLength(1)),
  object: literal('reporting.report_type'),
  name: text,
  data_available_start: unixSeconds,
  data_available_end: unixSeconds,
  version: nullish(int()),
  updated: nullish(unixSeconds),
});

export const OBJECTS = {
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
export type StripeObjects = { [K in ObjectKind]: output<(typeof OBJECTS)[K]> };

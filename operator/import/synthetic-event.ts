import { createHash } from 'node:crypto';

/** The Stripe list APIs a historical import reads, by their URL names. */
export const IMPORT_LISTS = ['payment_intents', 'charges', 'refunds', 'disputes', 'payouts', 'transfers'] as const;
export type ImportList = (typeof IMPORT_LISTS)[number];

/** What Stripe lists: an object with an id, a `created` time and the fields its schema reads. */
export type ListedObject = Record<string, unknown> & { id: string; created: number };

/** The event the webhook would have received for an object in this state. */
export function syntheticType(list: ImportList, object: ListedObject): string {
  const status = String(object.status ?? '');
  switch (list) {
    case 'payment_intents':
      return (
        (
          {
            succeeded: 'payment_intent.succeeded',
            canceled: 'payment_intent.canceled',
            processing: 'payment_intent.processing',
            requires_action: 'payment_intent.requires_action',
            requires_capture: 'payment_intent.amount_capturable_updated',
          } as Record<string, string>
        )[status] ?? (object.last_payment_error ? 'payment_intent.payment_failed' : 'payment_intent.created')
      );
    case 'charges':
      if (status === 'failed') return 'charge.failed';
      if (status === 'pending') return 'charge.pending';
      return object.refunded === true ? 'charge.refunded' : 'charge.succeeded';
    case 'refunds':
      return status === 'failed'
        ? 'refund.failed'
        : status === 'pending' || status === 'requires_action'
          ? 'refund.created'
          : 'refund.updated';
    case 'disputes':
      return ['won', 'lost', 'prevented', 'warning_closed'].includes(status) ? 'charge.dispute.closed' : 'charge.dispute.updated';
    case 'payouts':
      return (
        (
          { paid: 'payout.paid', failed: 'payout.failed', canceled: 'payout.canceled', in_transit: 'payout.updated' } as Record<
            string,
            string
          >
        )[status] ?? 'payout.created'
      );
    case 'transfers':
      return object.reversed === true ? 'transfer.reversed' : 'transfer.created';
  }
}

/** Event ids of imports begin so: no Stripe event id does (Stripe's are `evt_` and a digit-led random string). */
export const IMPORT_EVENT_PREFIX = 'evt_import';

/**
 * A listed object as the event the webhook would have got for it, to go through the very code a
 * delivery goes through. Its id is `evt_import` and a digest of the source, the account and the
 * object as listed: the same object listed again (a resumed import) is the same event, which
 * the records and the events table deduplicate; an object listed in another state is a new one.
 * Its `created` is the object's own: the oldest time any event about the object can have, so the
 * ordering guards let every real event win over it, and it only fills in what no event said.
 * Except a payout or transfer listed in a final status (failed, canceled, reversed): nothing can
 * follow it, and an event that moved the ledger after the object was made (payout.paid) must not
 * keep it from the ledger (a failure after paid that no event brought is then never seen, as
 * reconciliation leaves a paid cash-out alone), so its `created` is the time it was listed.
 */
export function syntheticEvent(
  list: ImportList,
  object: ListedObject,
  context: { sourceId: string; account?: string; livemode: boolean; listedAt: string },
): Record<string, unknown> {
  const digest = createHash('sha256')
    .update(JSON.stringify([context.sourceId, context.account ?? '', object]))
    .digest('hex')
    .slice(0, 24);
  return {
    id: `${IMPORT_EVENT_PREFIX}${digest}`,
    object: 'event',
    type: syntheticType(list, object),
    created: isFinalMovement(list, object) ? Math.floor(Date.parse(context.listedAt) / 1000) : object.created,
    livemode: typeof object.livemode === 'boolean' ? object.livemode : context.livemode,
    api_version: null,
    ...(context.account ? { account: context.account } : {}),
    data: { object },
    /** Not Stripe's: says where the event came from (the import, reading Stripe's list API). */
    gateway_import: { list, listed_at: context.listedAt },
  };
}

/** A payout failed or canceled, a transfer fully reversed: a money movement no event can move on from. */
function isFinalMovement(list: ImportList, object: ListedObject): boolean {
  if (list === 'payouts') return object.status === 'failed' || object.status === 'canceled';
  return list === 'transfers' && object.reversed === true;
}

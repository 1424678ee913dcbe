import { randomBytes } from 'node:crypto';
import { villageSignature } from '../../functions/village-cash-out/signature.js';
import { fixture } from './fixtures.js';
import { ledgerItem } from './stripe.js';
import type { SampleSender } from './types.js';

/** A sample cash-out: a new cash-out id each time (or --id to resend one), signed as Village signs. */
export const villageSender: SampleSender = {
  provider: 'village-cash-out',
  path: '/webhooks/village/cash-out',
  secretEnv: 'VILLAGE_WEBHOOK_SECRET',
  options: { id: 'CASH_OUT_ID', email: 'EMAIL', amount: 'AMOUNT', currency: 'CURRENCY' },
  async build({ secret, options }) {
    const sample = JSON.parse(fixture('village', 'cash-out')) as Record<string, unknown>;
    const cashOutId = options.id ?? `co_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    sample.cash_out_id = cashOutId;
    if (options.email) sample.destination_email = options.email;
    if (options.amount) sample.amount = options.amount;
    if (options.currency) sample.currency = options.currency;
    const body = JSON.stringify(sample);
    return {
      body,
      headers: { 'content-type': 'application/json', 'x-village-signature-256': villageSignature(secret, body) },
      ids: { cashOutId },
    };
  },
  async current({ ids }) {
    const item = await ledgerItem(ids?.cashOutId ?? '', {}).catch(() => undefined);
    return item?.status;
  },
  follow({ ids }, { status, body, replayed, currentStatus }) {
    const cashOutId = ids?.cashOutId ?? '';
    const answer = body as { cashOutId?: unknown; stripe?: { object?: string; id?: string } } | undefined;
    const show = `npm run payouts -- show ${cashOutId}`;
    if (status !== 200 || !answer?.stripe?.id) {
      // Only an answer that names the cash-out comes from its ledger item: a refused signature,
      // body or id (401, 400, 413…) is answered before anything is stored, so there is nothing to show.
      return { next: typeof answer?.cashOutId === 'string' ? [show] : [] };
    }
    const object = answer.stripe.object ?? 'payout';
    const found = { [`Stripe ${object} id`]: answer.stripe.id };
    const event = `npm run send -- stripe ${object === 'transfer' ? 'transfer.updated' : 'payout.paid'} --cash-out-id ${cashOutId}`;
    if (!replayed) return { ids: found, next: [event, show] };
    // A replayed answer shows the status the cash-out had when first answered; what follows depends on the ledger now.
    if (currentStatus === undefined)
      return {
        ids: found,
        next: [`${show}   (its status now; the answer above is from the first request)`, `${event}   (if it is still pending)`],
      };
    if (['pending', 'in_transit', 'processing'].includes(currentStatus))
      return { ids: found, next: [`${event}   (the ledger says ${currentStatus} now)`, show] };
    return { ids: found, next: [`${show}   (the ledger says ${currentStatus} now: nothing more to send for it)`] };
  },
};

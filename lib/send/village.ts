import { randomBytes } from 'node:crypto';
import { villageSignature } from '../../functions/village-cash-out/signature.js';
import { fixture } from './fixtures.js';
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
    return { body, headers: { 'content-type': 'application/json', 'x-village-signature-256': villageSignature(secret, body) }, ids: { cashOutId } };
  },
  follow({ ids }, { status, body }) {
    const cashOutId = ids?.cashOutId ?? '';
    const stripe = (body as { stripe?: { object?: string; id?: string } } | undefined)?.stripe;
    if (status !== 200 || !stripe?.id) return { next: [`npm run payouts -- show ${cashOutId}`] };
    const object = stripe.object ?? 'payout';
    return {
      ids: { [`Stripe ${object} id`]: stripe.id },
      next: [`npm run send -- stripe ${object === 'transfer' ? 'transfer.updated' : 'payout.paid'} --cash-out-id ${cashOutId}`, `npm run payouts -- show ${cashOutId}`],
    };
  },
};

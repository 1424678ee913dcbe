import { randomBytes } from 'node:crypto';
import { villageSignature } from '../../functions/village-cash-out/signature.js';
import { fixture } from './fixtures.js';
import type { SampleSender } from './types.js';

/** A sample cash-out: a new cash-out id each time (or --id to resend one), signed as Village signs. */
export const villageSender: SampleSender = {
  provider: 'village-cash-out',
  path: '/webhooks/village/cash-out',
  secretEnv: 'VILLAGE_WEBHOOK_SECRET',
  usage: 'village-cash-out [--id ID] [--email E] [--amount A] [--currency C]',
  async build({ secret, options }) {
    const sample = JSON.parse(fixture('village', 'cash-out')) as Record<string, unknown>;
    sample.cash_out_id = options.id ?? `co_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    if (options.email) sample.destination_email = options.email;
    if (options.amount) sample.amount = options.amount;
    if (options.currency) sample.currency = options.currency;
    const body = JSON.stringify(sample);
    return { body, headers: { 'content-type': 'application/json', 'x-village-signature-256': villageSignature(secret, body) } };
  },
};

import { randomUUID } from 'node:crypto';
import { TYPE_KEY } from '../../functions/just-wallet/payload.js';
import { justWalletSignature } from '../../functions/just-wallet/signature.js';
import { UsageError } from '../command-errors.js';
import { fixture, fixtureNames } from './fixtures.js';
import type { SampleSender } from './types.js';

const TYPES = fixtureNames('just-wallet');

/**
 * A sample Just Wallet event of any type, from test/events/just-wallet: a new object id each
 * time (or --id to follow one object through its statuses, with --status), signed the way the
 * provider's prose says (the secret itself) or, with --mode hmac, the way its sample code does.
 * Any other type is sent as an event of that unknown type.
 */
export const justWalletSender: SampleSender = {
  provider: 'just-wallet',
  path: '/webhooks/just-wallet',
  secretEnv: 'JUST_WALLET_WEBHOOK_SECRET',
  types: ['payout', ...TYPES.filter((type) => type !== 'payout')],
  options: { id: 'ID', status: 'STATUS', mode: 'secret|hmac' },
  async build({ type = 'payout', secret, options }) {
    const mode = options.mode ?? 'secret';
    if (mode !== 'secret' && mode !== 'hmac') throw new UsageError(`--mode must be secret or hmac, not "${mode}".`);
    const sample: Record<string, unknown> & { data: Record<string, unknown> } = TYPES.includes(type)
      ? (JSON.parse(fixture('just-wallet', type)) as { data: Record<string, unknown> })
      : { [TYPE_KEY]: type, data: {} };
    // A refused quote has no id of its own unless one is asked for.
    if (type !== 'quote_creation.failed' || options.id) sample.data.id = options.id ?? randomUUID();
    if (options.status) sample.data.status = options.status;
    const body = JSON.stringify(sample);
    const ids: Record<string, string> = typeof sample.data.id === 'string' ? { [`${type} id`]: sample.data.id } : {};
    return { body, headers: { 'content-type': 'application/json', Signature: justWalletSignature(secret, body, mode) }, ids };
  },
  follow({ ids, body }) {
    const id = ids?.['payout id'];
    const status = (JSON.parse(body) as { data: { status?: unknown } }).data.status;
    return { next: id && status === 'pending' ? [`npm run send -- just-wallet payout --id ${id} --status completed`] : [] };
  },
};

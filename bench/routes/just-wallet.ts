import { justWalletConfig } from '../../functions/just-wallet/config.js';
import { makeJustWalletHandler } from '../../functions/just-wallet/handler.js';
import { justWalletDepsFromEnv } from '../../functions/just-wallet/wiring.js';
import { justWalletSignature } from '../../functions/just-wallet/signature.js';
import { parseJustWalletEvent } from '../../functions/just-wallet/payload.js';
import type { HistoryEntry } from '../../functions/just-wallet/records.js';
import { scanAll } from '../applied.js';
import { fixture } from '../../dev/send/fixtures.js';
import { wireAsIndex } from './as-index.js';
import type { BenchHandler, RouteAdapter } from './types.js';

/** The event types a busy Just Wallet account sends most, in turn, each about a new object. */
const SAMPLES = ['payout', 'collection', 'payout', 'quote_creation.success'];
/** A payout's statuses as Just Wallet sends them. */
const LIFECYCLE = ['pending', 'processing', 'completed'];

/** Just Wallet events from test/events/just-wallet, each with a fresh object id, signed with the HMAC of the body (the provider's sample code). */
export const justWalletAdapter: RouteAdapter = {
  routeId: 'just-wallet',
  oneWritePerEvent: true,
  async setup(context, route) {
    const config = justWalletConfig(context.routeEnv);
    const { db, counter, deps, metrics } = wireAsIndex(context, route.id, justWalletDepsFromEnv);
    const secret = context.secrets.JUST_WALLET_WEBHOOK_SECRET!;
    const samples = SAMPLES.map((type) => JSON.parse(fixture('just-wallet', type)) as { data: Record<string, unknown> });
    return {
      route,
      // As index.ts makes it.
      handler: makeJustWalletHandler(deps, { metrics }) as unknown as BenchHandler,
      counter,
      lifecycle(n) {
        // A payout's statuses, in order, about one payout.
        const payout = samples[0]!;
        const id = `00000000-0000-4000-9000-${n.toString(16).padStart(12, '0')}`;
        return LIFECYCLE.map((status) => {
          const body = JSON.stringify({ ...payout, data: { ...payout.data, id, status } });
          return {
            event: `payout ${status}`,
            request: { body, headers: { 'content-type': 'application/json', signature: justWalletSignature(secret, body, 'hmac') } },
          };
        });
      },
      request(n) {
        const sample = samples[n % samples.length]!;
        const body = JSON.stringify({
          ...sample,
          data: { ...sample.data, id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}` },
        });
        return { body, headers: { 'content-type': 'application/json', signature: justWalletSignature(secret, body, 'hmac') } };
      },
      // The record keeps every event applied to it in its history, under the key the route gives the event.
      applied: {
        eventKeyOf: (body) => parseJustWalletEvent(body, Buffer.from(body)).eventKey,
        async applied() {
          const items = (await scanAll(db, config.RECORDS_TABLE, 'history')) as { history?: HistoryEntry[] }[];
          return items
            .flatMap((item) => (item.history ?? []).map((entry) => entry.eventKey))
            .filter((key) => key?.startsWith('just-wallet:'));
        },
      },
      notes: [`events in turn: ${SAMPLES.join(', ')}; Signature = HMAC-SHA256 of the body (mode ${config.JUST_WALLET_SIGNATURE_MODE})`],
    };
  },
};

import type { RunDeps, RunOptions, ImportSummary } from '../../operator/import/run.js';
import { runImport } from '../../operator/import/run.js';
import { importDepsFromEnv } from '../../operator/import/wiring.js';
import type { ListName } from '../../dev/stand-in-lists.js';
import type { StripeStandIn } from '../../dev/stripe-stand-in.js';
import { catchUpHarness, type CatchUpHarness } from './catch-up.js';
import { stripeEvent, uniqueId } from './stripe-events.js';
import { silentLogger } from './telemetry.js';

/** The fixture event whose object stands for each list's objects, and the prefix of their ids. */
const FIXTURES: Record<ListName, { type: string; prefix: string; fields?: Record<string, unknown> }> = {
  payment_intents: { type: 'payment_intent.succeeded', prefix: 'pi' },
  charges: { type: 'charge.succeeded', prefix: 'ch', fields: { payment_intent: null } },
  refunds: { type: 'refund.updated', prefix: 're' },
  disputes: { type: 'charge.dispute.closed', prefix: 'dp' },
  payouts: { type: 'payout.paid', prefix: 'po' },
  transfers: { type: 'transfer.created', prefix: 'tr' },
};

/**
 * `n` objects of a list, as Stripe would have them from before the gateway ran (from the fixture
 * of its kind, each with its own id, created a second apart from `start`), seeded into the stand-in.
 */
export function seedHistory(
  stripe: StripeStandIn,
  list: ListName,
  n: number,
  options: { start: number; account?: string; fields?: Record<string, unknown> },
): Record<string, unknown>[] {
  const { type, prefix, fields } = FIXTURES[list];
  const objects = Array.from(
    { length: n },
    (_, index) => stripeEvent(type, { id: uniqueId(prefix), created: options.start + index, ...fields, ...options.fields }).data.object,
  );
  stripe.lists.seed(list, objects, { account: options.account });
  return objects;
}

export interface ImportHarness extends CatchUpHarness {
  importDeps: RunDeps;
  backOffs: number[];
  runImport(options: RunOptions): Promise<ImportSummary>;
}

/** The import as `npm run import` wires it, beside catch-up's harness (tables, stand-in, sources). */
export async function importHarness(): Promise<ImportHarness> {
  const h = await catchUpHarness();
  const backOffs: number[] = [];
  const importDeps = importDepsFromEnv(h.env, {
    logger: silentLogger(),
    db: h.tables.db,
    rate: { perSecond: 50, retries429: 3, onBackOff: (ms) => backOffs.push(ms) },
  });
  return { ...h, importDeps, backOffs, runImport: (options) => runImport(importDeps, options) };
}

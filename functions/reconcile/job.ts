import type { Clock } from '../shared/clock.js';
import type { HistoryStore } from '../shared/history.js';
import type { Logger } from '../shared/telemetry.js';
import type { MoneyObject, ReconciledItem, ReconciledStatus } from './decide.js';
import type { ReconcileStore, Selection } from './store.js';
import type { StripeMoney } from './stripe-money.js';

/** What the reconciliation job is given: the ledger, Stripe, the clock, and what it selects. */
export interface ReconcileDeps {
  store: ReconcileStore;
  stripe: StripeMoney;
  clock: Clock;
  logger: Logger;
  selection: Selection;
  /** At most this many items per run; the rest wait for the next. */
  maxItems: number;
  /** Decide and report, but write nothing and change nothing at Stripe. */
  dryRun?: boolean;
  /** Called once per run with each outcome's count (zeros included), for metrics. */
  onCounts?: (counts: Record<Outcome, number>) => void;
  /** Gives back what a cash-out took of the limits (idempotent); absent: nothing is given back. */
  limits?: { release(cashOutId: string): Promise<unknown> };
  /** Where decisions that changed an item are written down, for the cash-out's story (the history table). */
  history?: HistoryStore;
}

export type Outcome =
  'resolved' | 'compensated' | 'needs_operator' | 'waiting' | 'unchanged' | 'skipped' | 'conflict' | 'error' | 'planned';

export const OUTCOMES: readonly Outcome[] = [
  'resolved',
  'compensated',
  'needs_operator',
  'waiting',
  'unchanged',
  'skipped',
  'conflict',
  'error',
  'planned',
];

export interface ItemResult {
  cashOutId: string;
  from: ReconciledStatus;
  outcome: Outcome;
  /** The status written (or, in a dry run, that would be). */
  to?: ReconciledStatus;
  reason: string;
  stripeObjectId?: string;
  /** Not acted on: the decision, made at the moment of acting, was not the one required (`onlyIf`). */
  withheld?: boolean;
}

export interface ReconcileSummary {
  startedAt: string;
  table: string;
  dryRun: boolean;
  counts: Record<Outcome, number>;
  items: ItemResult[];
  /** Items left for the next run because this one ran out of time. */
  deferred: number;
}

/** One item's result, from its outcome and what was decided. */
export type ResultOf = (outcome: Outcome, reason: string, to?: ReconciledStatus, object?: MoneyObject) => ItemResult;

/** Results for this item: from the status read, naming the Stripe object decided on, else the one the item is bound to. */
export function resultOf(item: ReconciledItem): ResultOf {
  return (outcome, reason, to, object) => ({
    cashOutId: item.cashOutId,
    from: item.status,
    outcome,
    reason,
    to,
    stripeObjectId: object?.id ?? item.stripeObjectId,
  });
}

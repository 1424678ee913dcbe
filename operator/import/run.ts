import { PLATFORM_SOURCE_ID } from '../../functions/stripe-events/source-id.js';
import {
  checkUnfinished,
  importList,
  zeroCounts,
  type ImportCounts,
  type ImportDeps,
  type ImportTarget,
  type ListOutcome,
  type ObjectLister,
  type Problem,
} from './import.js';
import { IMPORT_LISTS, type ImportList } from './synthetic-event.js';

/** Stripe keeps events for 30 days: what is younger, catch-up applies from the events themselves. */
export const CATCH_UP_DAYS = 30;
const DAY_MS = 86_400_000;

/** A source to import, with its lister, or why it cannot be. */
export interface ImportSource {
  sourceId: string;
  lister?: ObjectLister;
  skipped?: string;
}

export interface RunDeps extends ImportDeps {
  sources(only?: string): Promise<ImportSource[]>;
  /** The platform's connected accounts: in the recipients table, or with cash-outs since then (unix seconds). */
  connectedAccounts(sinceSeconds: number): Promise<string[]>;
}

export interface RunOptions {
  /** Epoch ms; from the start of its day (UTC). */
  since: number;
  /** Epoch ms; else 30 days before now: catch-up takes the rest. */
  until?: number;
  sourceId?: string;
  /** Ignore the checkpoints and list everything again (what is applied already is not written again). */
  restart?: boolean;
}

export interface ImportSummary {
  since: string;
  until: string;
  lists: ListOutcome[];
  skippedSources: { sourceId: string; reason: string }[];
  /** Per list name, over every source and account. */
  byList: Record<string, ImportCounts>;
  totals: ImportCounts;
  problems: Problem[];
  /** Whether every list was imported in full (this run or before). */
  complete: boolean;
}

/** The lists a source has: its own; the platform's transfers and its connected accounts' payouts too. */
export function targetsOf(source: Required<Pick<ImportSource, 'sourceId' | 'lister'>>, accounts: readonly string[]): ImportTarget[] {
  const platform = source.sourceId === PLATFORM_SOURCE_ID;
  const own = IMPORT_LISTS.filter((list) => platform || list !== 'transfers').map((list): ImportTarget => ({
    sourceId: source.sourceId,
    list,
    lister: source.lister,
  }));
  const connected = platform
    ? accounts.map((account): ImportTarget => ({ sourceId: source.sourceId, list: 'payouts', account, lister: source.lister }))
    : [];
  return [...own, ...connected];
}

/**
 * The import of every source (or `sourceId`'s): objects created from `since` until `until`
 * (by default 30 days ago: the events of the last 30 days are catch-up's), list by list.
 */
export async function runImport(deps: RunDeps, options: RunOptions): Promise<ImportSummary> {
  const until = options.until ?? deps.clock.now() - CATCH_UP_DAYS * DAY_MS;
  if (until <= options.since)
    throw new RangeError(
      `Nothing to import: --since ${new Date(options.since).toISOString()} is not before ${new Date(until).toISOString()} (the last ${CATCH_UP_DAYS} days are catch-up's; --until now imports them too).`,
    );
  // From the start of its UTC day: \`--since 365d\` typed again the same day resumes the same import.
  const window = { since: Math.floor(options.since / DAY_MS) * 86_400, until: Math.ceil(until / 1000), restart: options.restart ?? false };
  const summary: ImportSummary = {
    since: new Date(window.since * 1000).toISOString(),
    until: new Date(window.until * 1000).toISOString(),
    lists: [],
    skippedSources: [],
    byList: {},
    totals: zeroCounts(),
    problems: [],
    complete: true,
  };
  const targets: ImportTarget[] = [];
  for (const source of await deps.sources(options.sourceId)) {
    if (!source.lister) {
      summary.skippedSources.push({ sourceId: source.sourceId, reason: source.skipped ?? 'cannot be listed' });
      continue;
    }
    const accounts = source.sourceId === PLATFORM_SOURCE_ID ? await deps.connectedAccounts(window.since) : [];
    targets.push(...targetsOf({ sourceId: source.sourceId, lister: source.lister }, accounts));
  }
  await checkUnfinished(deps, targets, window);
  for (const target of targets) summary.lists.push(await importList(deps, target, window, summary.problems));
  for (const list of summary.lists) {
    const name: ImportList = list.list;
    const counts = (summary.byList[name] ??= zeroCounts());
    for (const key of Object.keys(counts) as (keyof ImportCounts)[]) {
      counts[key] += list[key];
      summary.totals[key] += list[key];
    }
    if (list.state.startsWith('stopped')) summary.complete = false;
  }
  return summary;
}

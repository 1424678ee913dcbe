import { ValidationError } from '../../functions/shared/errors.js';
import { processStripeEvent } from '../../functions/stripe-events/process-event.js';
import type { StripeDeps } from '../../functions/stripe-events/inbox.js';
import { parseStripeEvent } from '../../functions/stripe-events/event.js';
import { forSource } from '../../functions/stripe-events/source-scope.js';
import type { Checkpoint, CheckpointStore } from './checkpoints.js';
import { listKey } from './checkpoints.js';
import { syntheticEvent, type ImportList, type ListedObject } from './synthetic-event.js';

export interface ListQuery {
  list: ImportList;
  /** Unix seconds. */
  createdGte: number;
  createdLt: number;
  startingAfter?: string;
  stripeAccount?: string;
}

/** Lists a source's objects through Stripe's list API, every page, newest first. */
export interface ObjectLister {
  list(query: ListQuery): AsyncIterable<ListedObject>;
}

/** One list to import: a source's, or a connected account's (the platform's cash-out payouts). */
export interface ImportTarget {
  sourceId: string;
  list: ImportList;
  account?: string;
  lister: ObjectLister;
}

export interface ImportDeps extends StripeDeps {
  checkpoints: CheckpointStore;
  /** Saves the checkpoint after this many objects (and at the end of a list, and when it stops). */
  checkpointEvery: number;
  onProgress?: (progress: { target: ImportTarget; processed: number }) => void;
}

export interface ImportCounts {
  listed: number;
  /** Created a record or moved one (or the ledger) forward. */
  written: number;
  /** Listed before (a resumed page), or older than what the record already holds: its state kept. */
  unchanged: number;
  /** Not applied: its cash-out was being paid, or Stripe's object could not be read (see the failures). */
  skipped: number;
}

export interface ListOutcome extends ImportCounts {
  sourceId: string;
  list: ImportList;
  account?: string;
  /** `done`, `done earlier` (nothing to list again), or `stopped: <why>` (run it again to go on). */
  state: string;
}

export interface Problem {
  sourceId: string;
  list: string;
  objectId?: string;
  reason: string;
}

export const zeroCounts = (): ImportCounts => ({ listed: 0, written: 0, unchanged: 0, skipped: 0 });

/** An import asked for with another `since` than the unfinished one in the checkpoints. */
export class UnfinishedImportError extends Error {
  override name = 'UnfinishedImportError';
}

/**
 * Imports one list from its checkpoint on: each object, as the event the webhook would have
 * got for it, through the Stripe route's own processing, then the checkpoint moves past it. A
 * list that fails (Stripe unreachable after its retries, DynamoDB) stops with the checkpoint
 * at the last object applied; the next run goes on from there.
 */
export async function importList(
  deps: ImportDeps,
  target: ImportTarget,
  window: { since: number; until: number; restart: boolean },
  problems: Problem[],
): Promise<ListOutcome> {
  const key = listKey(target.list, target.account);
  const outcome: ListOutcome = {
    sourceId: target.sourceId,
    list: target.list,
    ...(target.account ? { account: target.account } : {}),
    ...zeroCounts(),
    state: 'done',
  };
  const stored = window.restart ? undefined : (await deps.checkpoints.read(target.sourceId))[key];
  const checkpoint = startFrom(stored, window, new Date(deps.clock.now()).toISOString(), key, target.sourceId);
  if (checkpoint.done) return { ...outcome, state: 'done earlier' };
  const scoped = forSource(deps, target.sourceId);
  const save = () => deps.checkpoints.save(target.sourceId, key, { ...checkpoint, updatedAt: new Date(deps.clock.now()).toISOString() });
  let sinceSave = 0;
  try {
    const query: ListQuery = {
      list: target.list,
      createdGte: checkpoint.since,
      createdLt: checkpoint.until,
      ...(checkpoint.startingAfter ? { startingAfter: checkpoint.startingAfter } : {}),
      ...(target.account ? { stripeAccount: target.account } : {}),
    };
    for await (const object of target.lister.list(query)) {
      outcome.listed += 1;
      const result = await applyObject(scoped, target, object);
      outcome[result.count] += 1;
      if (result.problem) problems.push({ sourceId: target.sourceId, list: key, objectId: object.id, reason: result.problem });
      checkpoint.startingAfter = object.id;
      checkpoint.applied += 1;
      deps.onProgress?.({ target, processed: outcome.listed });
      if (++sinceSave >= deps.checkpointEvery) {
        await save();
        sinceSave = 0;
      }
    }
    checkpoint.done = true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    problems.push({ sourceId: target.sourceId, list: key, reason: `stopped after ${checkpoint.startingAfter ?? 'no object'}: ${reason}` });
    outcome.state = `stopped: ${reason}`;
  }
  await save();
  return outcome;
}

/** Refuses, before anything is listed, an import whose `since` differs from one still unfinished. */
export async function checkUnfinished(
  deps: ImportDeps,
  targets: readonly ImportTarget[],
  window: { since: number; until: number; restart: boolean },
): Promise<void> {
  if (window.restart) return;
  for (const sourceId of new Set(targets.map((target) => target.sourceId))) {
    const stored = await deps.checkpoints.read(sourceId);
    for (const target of targets.filter((candidate) => candidate.sourceId === sourceId))
      startFrom(stored[listKey(target.list, target.account)], window, '', listKey(target.list, target.account), sourceId);
  }
}

function startFrom(
  stored: Checkpoint | undefined,
  window: { since: number; until: number },
  now: string,
  key: string,
  sourceId: string,
): Checkpoint {
  if (stored && stored.since === window.since) return { ...stored };
  if (stored && !stored.done) {
    throw new UnfinishedImportError(
      `${sourceId}'s import of ${key} since ${new Date(stored.since * 1000).toISOString()} is unfinished: run it again with that --since to finish it, or --restart to begin again from ${new Date(window.since * 1000).toISOString()}.`,
    );
  }
  return { since: window.since, until: window.until, done: false, applied: 0, startedAt: now, updatedAt: now };
}

type Applied = { count: Exclude<keyof ImportCounts, 'listed'>; problem?: string };

/** One object through the route's own parse and processing, as the event the webhook would have got. */
async function applyObject(deps: StripeDeps, target: ImportTarget, object: ListedObject): Promise<Applied> {
  const json = syntheticEvent(target.list, object, {
    sourceId: target.sourceId,
    account: target.account,
    livemode: deps.livemode,
    listedAt: new Date(deps.clock.now()).toISOString(),
  });
  let event;
  try {
    event = parseStripeEvent(json);
  } catch (error) {
    if (error instanceof ValidationError) return { count: 'skipped', problem: error.message };
    throw error;
  }
  const answer = await processStripeEvent(event, JSON.stringify(json), deps);
  if (answer.statusCode === 409 || answer.statusCode === 503)
    return {
      count: 'skipped',
      problem: `not applied now (${String(answer.body.error)}): catch-up, reconciliation or the webhook follow it`,
    };
  if (answer.statusCode !== 200) throw new Error(`answered ${answer.statusCode} ${String(answer.body.error ?? '')}`);
  if (answer.body.duplicate) return { count: 'unchanged' };
  const outcome = String(answer.body.outcome);
  if (outcome === 'applied') return { count: 'written' };
  if (outcome === 'anomaly') return { count: 'written', problem: `recorded as an anomaly: ${String(answer.body.detail ?? '')}` };
  return { count: 'unchanged' };
}

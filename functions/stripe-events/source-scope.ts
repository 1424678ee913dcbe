import type { ProcessDeps } from './process-event.js';

/**
 * The same dependencies, for one source: its id, and the event and record stores keyed by it.
 * Built in one place so the three can never disagree about whose event is being applied.
 */
export function forSource<D extends ProcessDeps>(deps: D, sourceId: string): D {
  if (deps.sourceId === sourceId) return deps;
  return { ...deps, sourceId, events: deps.events.forSource(sourceId), records: deps.records.forSource(sourceId) };
}

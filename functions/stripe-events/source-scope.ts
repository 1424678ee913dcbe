import type { StripeDeps } from './inbox.js';
import type { StripeEventStore } from './event-store.js';

/**
 * The same dependencies, for one source: its id, and the event and record stores keyed by it.
 * Built in one place so the three can never disagree about whose event is being applied (a
 * delivery, catch-up, or an operator's replay or its preview, which has no event store).
 */
export function forSource<D extends StripeDeps & { events?: StripeEventStore }>(deps: D, sourceId: string): D {
  if (deps.sourceId === sourceId) return deps;
  return {
    ...deps,
    sourceId,
    records: deps.records.forSource(sourceId),
    ...(deps.events ? { events: deps.events.forSource(sourceId) } : {}),
  } as D;
}

/**
 * How a record's `status` may move, for every provider's records: each status has a rank, a
 * terminal status never changes, and an event that is older than the record's state, or asks
 * for a move the lifecycle does not allow, never overwrites it. Each route enforces its
 * lifecycle in DynamoDB (a conditional update), never by reading first.
 */
export interface Lifecycle<S extends string = string> {
  rank: Readonly<Record<S, number>>;
  terminal: readonly S[];
  /**
   * Only moves up in rank (money movements, Just Wallet records). Otherwise a newer event may
   * move the status anywhere (a declined payment may be retried), and only up in rank between
   * events created in the same second.
   */
  forwardOnly: boolean;
  /** The status at which the money has arrived (a payout `completed`, a funding `success`). */
  settled?: S;
  /** The final statuses that may still follow `settled` (a bank return after completion). */
  returns?: readonly S[];
}

/** A status's rank, or undefined if the lifecycle does not know it. */
export function rankOf<S extends string>(lifecycle: Lifecycle<S>, status: string): number | undefined {
  return Object.hasOwn(lifecycle.rank, status) ? lifecycle.rank[status as S] : undefined;
}

export const isTerminal = <S extends string>(lifecycle: Lifecycle<S>, status: string): boolean =>
  (lifecycle.terminal as readonly string[]).includes(status);

/**
 * What a record did with an event, in both routes: `applied` (created, or moved to the event's
 * status), `stale` (the event is older than the record's state, or a move back from it: the
 * status stays; a record that keeps its events keeps this one as late), `duplicate` (this very
 * event was applied before: nothing changed).
 */
export type RecordOutcome = 'applied' | 'stale' | 'duplicate';

/** A status move one event made: `from` is undefined when it created the record. */
export interface Move {
  from?: string;
  to: string;
}

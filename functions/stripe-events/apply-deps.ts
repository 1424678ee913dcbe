import type { Clock } from '../shared/clock.js';
import type { RecipientStore } from '../shared/recipients.js';
import type { Logger } from '../shared/telemetry.js';
import type { ReportFetchDeps } from '../reports/fetch-report.js';
import type { LedgerEvents } from './ledger-events.js';
import type { RecordChange, RecordResult, StripeRecordStore } from './record-store.js';
import type { Envelope } from './event.js';
import type { Move, RecordOutcome } from '../shared/record-model.js';

/** What applying an event needs: the stores it writes, a clock, and telemetry. */
export interface ApplyDeps {
  /**
   * The source the event came from (`platform`, or a merchant source). Only the platform's
   * events touch the cash-out ledger and the recipients; `records` are that source's.
   */
  sourceId: string;
  ledger: LedgerEvents;
  records: StripeRecordStore;
  recipients: RecipientStore;
  clock: Clock;
  logger: Logger;
  /**
   * The gateway's own Stripe mode (from its key: STRIPE_MODE). Stripe delivers test-mode events
   * of connected accounts to live Connect endpoints: only events of this mode are applied.
   */
  livemode: boolean;
  /** Gives back what a cash-out took of the limits (idempotent); absent: nothing is given back, which only holds limits longer. */
  limits?: { release(cashOutId: string): Promise<unknown> };
  /** Counts one occurrence of a named metric (e.g. PayoutFailedAfterPaid). */
  onMetric?: (name: string) => void;
  /** Where a succeeded report run's file is fetched to; without it, report runs are only recorded. */
  reports?: ReportFetchDeps;
}

/**
 * What applying an event did. `applied`: state moved (or a record was created); `stale`: an
 * older or repeated event, nothing changed; `ignored`: nothing to do; `anomaly`: recorded,
 * and logged for an operator; `other_mode`: a test-mode event on a live gateway or the reverse,
 * stored only. `retryLater`: not applied now, answered 5xx so Stripe redelivers.
 */
export interface ApplyOutcome {
  outcome: Exclude<RecordOutcome, 'duplicate'> | 'ignored' | 'anomaly' | 'other_mode';
  detail?: string;
  /** The status moves it made (a record's, a ledger item's), as data: `detail` says them in words. */
  moves?: Move[];
  retryLater?: { reason: string; message: string };
  /** This very event was recorded before (a stamped store): `outcome` is what it did then, and nothing changed now. */
  duplicate?: boolean;
}

/** The event fields every record keeps: which event last set it. */
export const eventRef = (envelope: Envelope) => ({ id: envelope.id, type: envelope.type, created: envelope.created });

/** A record's change from this event, applied now (the event's ref filled in). */
export const changeRecord = <S extends string>(envelope: Envelope, deps: ApplyDeps, change: Omit<RecordChange<S>, 'event'>) =>
  deps.records.apply({ ...change, event: eventRef(envelope) }, new Date(deps.clock.now()));

/** `applied` or `stale`, with the record's state either way; a duplicate says so. */
export function recordOutcome(label: string, result: RecordResult, status: string): ApplyOutcome {
  if (result.applied) {
    const from = result.previous?.status;
    return { outcome: 'applied', detail: `${label}: ${from ?? '(new)'} → ${status}`, moves: [{ from, to: status }] };
  }
  if (result.duplicate)
    return {
      outcome: result.firstOutcome,
      duplicate: true,
      detail: `${label}: this event was recorded before (now ${result.current.status})`,
    };
  return {
    outcome: 'stale',
    detail: `${label}: stays ${result.current?.status ?? '?'} (event older than the state, or a move back from it)`,
  };
}

/**
 * Several records from one event: applied if any was now; a duplicate only if every record had
 * recorded it (a redelivery after a crash between two records applies the one that had not).
 */
export function combine(outcomes: ApplyOutcome[]): ApplyOutcome {
  const detail = outcomes
    .map((item) => item.detail)
    .filter(Boolean)
    .join('; ');
  const all = outcomes.flatMap((item) => item.moves ?? []);
  const moves = all.length > 0 ? all : undefined;
  const now = outcomes.filter((item) => !item.duplicate);
  if (outcomes.length > 0 && now.length === 0)
    return {
      outcome: outcomes.some((item) => item.outcome === 'applied') ? 'applied' : outcomes[0]!.outcome,
      duplicate: true,
      detail,
      ...(moves && { moves }),
    };
  const applied = now.some((item) => item.outcome === 'applied');
  return { outcome: applied ? 'applied' : (now[0]?.outcome ?? 'ignored'), detail, ...(moves && { moves }) };
}

import { HttpError } from '../functions/shared/errors.js';
import type { HistoryEntry, HistoryStore } from '../functions/shared/history.js';
import type { Clock } from '../functions/shared/clock.js';
import type { CloseOutcome, Difference } from '../functions/close/close.js';
import { checkNote } from './acknowledge.js';

/** The history subject of one difference of one day's close: acknowledgements are kept there, append-only. */
export const closeSubject = (sourceId: string, day: string, objectId: string) => `close#${sourceId}#${day}#${objectId}`;

export type AcknowledgedDifference = Difference & { acknowledgements: HistoryEntry[] };

/** Each difference with the acknowledgements recorded for it. */
export async function withAcknowledgements(outcome: CloseOutcome, history: HistoryStore): Promise<AcknowledgedDifference[]> {
  return Promise.all(
    outcome.differences.map(async (difference) => ({
      ...difference,
      acknowledgements: (await history.list(closeSubject(outcome.sourceId, outcome.day, difference.objectId))).filter(
        (entry) => entry.action === 'acknowledge',
      ),
    })),
  );
}

/**
 * An operator acknowledges a difference the close found, with a note (what they found, what
 * they did). It is recorded in the history table; the day stays not closed, as the books
 * still differ, but the difference shows as acknowledged.
 */
export async function acknowledgeDifference(
  outcome: CloseOutcome,
  objectId: string,
  noteInput: string | undefined,
  deps: { history: HistoryStore; who: string; clock: Clock },
): Promise<HistoryEntry> {
  const note = checkNote(noteInput, true)!;
  const difference = outcome.differences.find((candidate) => candidate.objectId === objectId);
  if (!difference)
    throw new HttpError(
      409,
      'no_such_difference',
      `The close of ${outcome.day} (${outcome.sourceId}) has no difference about ${objectId} now; nothing was recorded.`,
    );
  return deps.history.append(
    closeSubject(outcome.sourceId, outcome.day, objectId),
    {
      who: deps.who,
      action: 'acknowledge',
      note,
      outcome: 'acknowledged',
      result: `acknowledged: ${difference.kind.replaceAll('_', ' ')} ${objectId}`,
      cashOutId: difference.ledger?.cashOutId,
    },
    new Date(deps.clock.now()),
  );
}

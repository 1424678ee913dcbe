import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../functions/shared/clock.js';
import { HttpError, ValidationError } from '../functions/shared/errors.js';
import { cashOutSubject, historyEntry, type HistoryEntry, type HistoryStore } from '../functions/shared/history.js';
import { ATTENTION_LABELS, attentionReasons, type Acknowledgement } from './attention.js';
import type { CashOutReads } from './cash-outs.js';

export interface AcknowledgeDeps {
  db: DynamoDBDocumentClient;
  cashOuts: CashOutReads;
  history: HistoryStore;
  who: string;
  clock: Clock;
}

export const MAX_NOTE_LENGTH = 2000;

/** A note an operator wrote: required for an acknowledgement, optional elsewhere, never blank or huge. */
export function checkNote(note: string | undefined, required: boolean): string | undefined {
  const text = note?.trim();
  if (!text) {
    if (required) throw new ValidationError('note_required', 'Write a note: what you found, and what you did or will do.');
    return undefined;
  }
  if (text.length > MAX_NOTE_LENGTH) throw new ValidationError('note_too_long', `A note is at most ${MAX_NOTE_LENGTH} characters.`);
  return text;
}

/**
 * An operator acknowledges a cash-out that needs attention, with a note. The acknowledgement
 * (who, when, the note, the reasons it covers) goes on the ledger item and into the history
 * table in one transaction, and only if the item is still as the operator saw it (`seen`: the
 * `updatedAt` the console's page showed; without it, as read here). It changes
 * nothing the money code reads: no status, no `updatedAt`, no flag.
 */
export async function acknowledge(
  cashOutId: string,
  noteInput: string | undefined,
  deps: AcknowledgeDeps,
  options: { seen?: string } = {},
): Promise<{ acknowledgement: Acknowledgement; entry: HistoryEntry }> {
  const note = checkNote(noteInput, true)!;
  const item = await deps.cashOuts.get(cashOutId);
  if (!item) throw new HttpError(404, 'cash_out_not_found', `No cash-out ${cashOutId}.`);
  // A page's form says which state it showed: a flag raised since is not the operator's to acknowledge unseen.
  if (options.seen !== undefined && options.seen !== item.updatedAt) throw changed(cashOutId);
  const now = new Date(deps.clock.now());
  const reasons = attentionReasons(item, now.getTime());
  if (reasons.length === 0)
    throw new HttpError(
      409,
      'nothing_to_acknowledge',
      `Cash-out ${cashOutId} needs no attention (status ${item.status}); nothing was recorded.`,
    );

  const acknowledgement: Acknowledgement = { at: now.toISOString(), by: deps.who, note, reasons };
  const entry = historyEntry(
    cashOutSubject(cashOutId),
    {
      who: deps.who,
      action: 'acknowledge',
      note,
      outcome: 'acknowledged',
      result: `acknowledged: ${reasons.map((reason) => ATTENTION_LABELS[reason]).join(', ')}`,
      cashOutId,
    },
    now,
  );
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: deps.history.put(entry) },
          // Only the state the operator looked at: a change since then may need another look.
          { Update: deps.cashOuts.acknowledgement(cashOutId, acknowledgement, item.updatedAt) },
        ],
      }),
    );
  } catch (error) {
    const reasonsOf = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if (reasonsOf?.some((reason) => reason.Code === 'ConditionalCheckFailed')) throw changed(cashOutId);
    throw error;
  }
  return { acknowledgement, entry };
}

const changed = (cashOutId: string) =>
  new HttpError(409, 'cash_out_changed', `Cash-out ${cashOutId} changed while you were looking; look again before acknowledging it.`);

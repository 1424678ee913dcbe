import type { CashOutFilter } from '../cash-outs.js';
import { EVENT_OUTCOMES, PROVIDERS, type EventFilter, type Provider } from '../events.js';
import { RECORD_KINDS, type RecordKindName } from '../records.js';
import { parseTimeInput } from '../readable.js';
import type { ReconciledStatus } from '../../functions/reconcile/decide.js';
import { ALL_STATUSES } from '../../functions/reconcile/store.js';
import { ValidationError } from '../../functions/shared/errors.js';

type Query = Record<string, string | undefined>;

const blank = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

function oneOf<T extends string>(value: string | undefined, choices: readonly T[], name: string): T | undefined {
  const text = blank(value);
  if (text === undefined) return undefined;
  if (!choices.includes(text as T)) throw new ValidationError('bad_filter', `${name} must be one of ${choices.join(', ')}, not "${text}".`);
  return text as T;
}

function range(query: Query, nowMs: number): { from?: string; to?: string } {
  const from = blank(query.from);
  const to = blank(query.to);
  return {
    from: from ? parseTimeInput(from, 'From', nowMs) : undefined,
    to: to ? parseTimeInput(to, 'To', nowMs, { endOfDay: true }) : undefined,
  };
}

export function cashOutFilter(query: Query, nowMs: number): CashOutFilter {
  const recipient = blank(query.recipient);
  if (recipient && !recipient.includes('@')) throw new ValidationError('bad_filter', 'Recipient must be an email address.');
  return { status: oneOf<ReconciledStatus>(query.status, ALL_STATUSES, 'Status'), recipient, ...range(query, nowMs) };
}

/** The events filter; the same one the page, the bulk replay and `npm run replay` use. */
export function eventFilter(query: Query, nowMs: number): EventFilter {
  const type = blank(query.type);
  if (type && !/^[A-Za-z0-9_.*-]+$/.test(type)) throw new ValidationError('bad_filter', `"${type}" is not an event type.`);
  return {
    provider: oneOf<Provider>(query.provider, PROVIDERS, 'Provider'),
    type,
    outcome: oneOf(query.outcome, EVENT_OUTCOMES, 'Outcome'),
    ...range(query, nowMs),
  };
}

/** The records filter; without a kind, the page opens on the first kind that has records (`firstKindWithRecords`). */
export function recordFilter(query: Query): { kind?: RecordKindName; status?: string } {
  return { kind: oneOf<RecordKindName>(query.kind, RECORD_KINDS, 'Kind'), status: blank(query.status) };
}

/** The first kind, in the console's order, with any record; `transaction` when there are none at all. */
export async function firstKindWithRecords(records: {
  list(filter: { kind: RecordKindName }, page: { limit: number }): Promise<{ items: unknown[] }>;
}): Promise<RecordKindName> {
  const found = await Promise.all(
    RECORD_KINDS.map(async (kind) => ((await records.list({ kind }, { limit: 1 })).items.length > 0 ? kind : undefined)),
  );
  return found.find((kind) => kind !== undefined) ?? 'transaction';
}

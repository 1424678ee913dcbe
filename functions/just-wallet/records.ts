import type { DynamoDBDocumentClient, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, oldItemOf, updateItem, fieldUpdate } from '../shared/dynamodb.js';
import { kindShard } from '../shared/record-index.js';
import { isTerminal, rankOf, type RecordOutcome } from '../shared/record-model.js';
import type { RecordChange } from './payload.js';

/** One entry of a record's `history`: an event applied to it. */
export interface HistoryEntry {
  eventKey: string;
  type: string;
  status: string;
  receivedAt: string;
  /** False for a late event: kept for the record, its status not taken. */
  statusChanged: boolean;
  created_at?: string;
  updated_at?: string;
  completed_at?: string;
  /** The event's raw body, packed (packBody: shared/record-model.ts): the record keeps the events applied to it. */
  body?: Uint8Array;
}

/** A Just Wallet payout, funding or quote in the records table. */
export interface JustWalletRecord {
  id: string;
  kind: string;
  status: string;
  statusRank: number;
  terminal: boolean;
  firstReceivedAt: string;
  /** When the status last changed. */
  statusChangedAt: string;
  /** When an event was last written to it (the sort key of the records' index by kind). */
  updatedAt: string;
  /** `<kind>#<n>`: the partition key of the records' index by kind (record-index.ts). */
  kindShard: string;
  history: HistoryEntry[];
  /** The money had arrived (payout completed, funding success) and came back: failed, refunded or reversed after it. */
  returnedAfterCompletion?: boolean;
  /** The keys of every event applied, so none is applied twice. */
  eventKeys: Set<string>;
  /** The provider's fields, under its own names (amount, charge, currency, quote, …). */
  [field: string]: unknown;
}

/**
 * What applying an event did (RecordOutcome): `stale` when the record is already at this rank
 * or beyond (or final): its status stays, the event is added to the history, and fields the
 * record lacks are filled in. `returnedAfterCompletion` when it showed that settled money came back.
 */
export interface ApplyOutcome {
  result: RecordOutcome;
  returnedAfterCompletion: boolean;
}

export interface AppliedEvent {
  eventKey: string;
  type: string;
  receivedAt: string;
  /** The raw body, packed, kept in the history entry (a delivery's; a replay of a kept event has none to add). */
  body?: Uint8Array;
}

/** A write's refusal: the record as it was (none if there was none). */
type Refused = { written: false; old?: JustWalletRecord };
type Written = { written: true };

/** A further condition on one write, and what the write then also sets. */
interface Guard {
  condition: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
  sets: string[];
}

/**
 * The records table (`id` + `kind`). Every write is one conditional UpdateItem, so concurrent
 * deliveries for the same object end at the highest-ranked status whatever their order.
 */
export class JustWalletRecordStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * A return status (failed, refunded, reversed) moves a settled record on, and flags it: the
   * money arrived and came back. The settled status arriving after a return (delivered out of
   * order) flags the record too, and leaves its status where it is.
   */
  async apply(change: RecordChange, event: AppliedEvent): Promise<ApplyOutcome> {
    const { settled, returns } = change.lifecycle;
    const isReturn = settled !== undefined && returns?.includes(change.status) === true;
    const already = { result: 'duplicate', returnedAfterCompletion: false } as const;
    // Every write is refused once the event's key is in the record: the record as it was says
    // so, and a redelivery is answered from its first write.
    const seen = (write: Written | Refused) => !write.written && write.old?.eventKeys?.has(event.eventKey) === true;
    const first = await this.advance(change, event, isReturn ? notSettled(settled) : undefined);
    if (first.written) return { result: 'applied', returnedAfterCompletion: false };
    if (seen(first)) return already;
    if (isReturn) {
      const returned = await this.advance(change, event, fromSettled(settled));
      if (returned.written) return { result: 'applied', returnedAfterCompletion: true };
      if (seen(returned)) return already;
    }
    if (change.status === settled && returns) {
      const lateSettled = await this.noteLate(change, event, afterReturn(returns));
      if (lateSettled.written) return { result: 'stale', returnedAfterCompletion: true };
      if (seen(lateSettled)) return already;
    }
    if ((await this.noteLate(change, event)).written) return { result: 'stale', returnedAfterCompletion: false };
    return already;
  }

  /** Creates the record, or moves it to a higher rank from a status that is not final. */
  private async advance(change: RecordChange, event: AppliedEvent, guard?: Guard): Promise<Written | Refused> {
    const rank = rankOf(change.lifecycle, change.status);
    if (rank === undefined) throw new Error(`${change.status} is not a ${change.lifecycle.kind} status`);
    const fields = fieldUpdate(change.fields, 'f');
    return this.write({
      TableName: this.tableName,
      Key: { id: change.id, kind: change.lifecycle.kind },
      UpdateExpression:
        [
          'SET #status = :status, #rank = :rank, #terminal = :terminal, #changedAt = :receivedAt',
          '#firstAt = if_not_exists(#firstAt, :receivedAt), #updatedAt = :receivedAt, #kindShard = :kindShard',
          '#history = list_append(if_not_exists(#history, :empty), :entry)',
          ...fields.sets,
          ...(guard?.sets ?? []),
        ].join(', ') + ' ADD #eventKeys :eventKeys',
      ConditionExpression: guard
        ? `attribute_not_exists(#id) OR (#rank < :rank AND #terminal = :false AND NOT contains(#eventKeys, :eventKey) AND ${guard.condition})`
        : 'attribute_not_exists(#id) OR (#rank < :rank AND #terminal = :false AND NOT contains(#eventKeys, :eventKey))',
      ExpressionAttributeNames: {
        ...COMMON_NAMES,
        '#status': 'status',
        '#rank': 'statusRank',
        '#terminal': 'terminal',
        '#changedAt': 'statusChangedAt',
        '#firstAt': 'firstReceivedAt',
        '#kindShard': 'kindShard',
        ...fields.names,
        ...guard?.names,
      },
      ExpressionAttributeValues: {
        ':status': change.status,
        ':rank': rank,
        ':terminal': isTerminal(change.lifecycle, change.status),
        ':false': false,
        ':receivedAt': event.receivedAt,
        ':empty': [],
        ':entry': [historyEntry(change, event, true)],
        ':eventKeys': new Set([event.eventKey]),
        ':eventKey': event.eventKey,
        ':kindShard': kindShard(change.lifecycle.kind, change.id),
        ...fields.values,
        ...guard?.values,
      },
    });
  }

  /**
   * A late event: the status stays, but the event joins the history once, and its fields fill
   * only what the record lacks (a quote's creation details arriving after its funding).
   */
  private async noteLate(change: RecordChange, event: AppliedEvent, guard?: Guard): Promise<Written | Refused> {
    const fields = fieldUpdate(change.fields, 'f');
    // Each provider field only where the record lacks it: `#f0 = if_not_exists(#f0, :f0)`.
    const fills = Object.keys(fields.names).map((name) => `${name} = if_not_exists(${name}, :${name.slice(1)})`);
    return this.write({
      TableName: this.tableName,
      Key: { id: change.id, kind: change.lifecycle.kind },
      UpdateExpression:
        ['SET #history = list_append(#history, :entry), #updatedAt = :receivedAt', ...fills, ...(guard?.sets ?? [])].join(', ') +
        ' ADD #eventKeys :eventKeys',
      ConditionExpression: `attribute_exists(#id) AND NOT contains(#eventKeys, :eventKey)${guard ? ` AND ${guard.condition}` : ''}`,
      ExpressionAttributeNames: { ...COMMON_NAMES, ...fields.names, ...guard?.names },
      ExpressionAttributeValues: {
        ':entry': [historyEntry(change, event, false)],
        ':eventKeys': new Set([event.eventKey]),
        ':eventKey': event.eventKey,
        ':receivedAt': event.receivedAt,
        ...fields.values,
        ...guard?.values,
      },
    });
  }

  /** One conditional update; refused, the record as it was. */
  private async write(update: Omit<UpdateCommandInput, 'ReturnValuesOnConditionCheckFailure'>): Promise<Written | Refused> {
    try {
      await updateItem(this.db, { ...update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
      return { written: true };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return { written: false, old: oldItemOf<JustWalletRecord>(error) };
      throw error;
    }
  }
}

const RETURNED = { '#returned': 'returnedAfterCompletion', '#status': 'status' };

/** A return status reaching a record that never settled: an ordinary failure. */
const notSettled = (settled: string): Guard => ({
  condition: '#status <> :settled',
  names: { '#status': 'status' },
  values: { ':settled': settled },
  sets: [],
});

/** A return status reaching a settled record: the money came back. */
const fromSettled = (settled: string): Guard => ({
  condition: '#status = :settled',
  names: RETURNED,
  values: { ':settled': settled, ':returned': true },
  sets: ['#returned = :returned'],
});

/** The settled status arriving after a return: it had come back. */
function afterReturn(returns: readonly string[]): Guard {
  const statuses = Object.fromEntries(returns.map((status, index) => [`:return${index}`, status]));
  return {
    condition: `#status IN (${Object.keys(statuses).join(', ')})`,
    names: RETURNED,
    values: { ...statuses, ':returned': true },
    sets: ['#returned = :returned'],
  };
}

const COMMON_NAMES = { '#id': 'id', '#history': 'history', '#eventKeys': 'eventKeys', '#updatedAt': 'updatedAt' };

function historyEntry(change: RecordChange, event: AppliedEvent, statusChanged: boolean): HistoryEntry {
  return {
    eventKey: event.eventKey,
    type: event.type,
    status: change.status,
    receivedAt: event.receivedAt,
    statusChanged,
    ...change.timestamps,
    ...(event.body ? { body: event.body } : {}),
  };
}

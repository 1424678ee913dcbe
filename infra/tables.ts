import { EVENT_SHARDS, EVENTS_INDEX } from '../functions/shared/event-index.js';
import { RECORD_LISTING_FIELDS, RECORD_SHARDS, RECORDS_INDEX } from '../functions/shared/record-index.js';
import { STATUS_INDEX, STATUS_SHARDS } from '../functions/shared/status-index.js';
import { PLATFORM_SHARDS } from '../functions/shared/usage-counters.js';

/**
 * The gateway's tables, described once: the stack creates them in AWS and the local gateway
 * and the tests create the same ones in DynamoDB Local.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Only these attributes (beside the keys) are copied into the index; every attribute when absent. */
  include?: string[];
  /**
   * The partition key is one of a few values (a status, a kind, a shard): the writes to this
   * index spread over at most this many values, and each value is one partition (1,000 write
   * units a second). Unset: about one value per item (an id), which spreads by itself. Read by
   * the capacity model (`npm run bench -- --capacity`).
   */
  keyValues?: number;
}

export interface TableDefinition {
  /** Logical name; also the environment variable prefix (`LEDGER` → `LEDGER_TABLE`). */
  id: 'ledger' | 'recipients' | 'events' | 'records' | 'sources' | 'history' | 'limits' | 'usage';
  env: string;
  description: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes: IndexDefinition[];
  /** Items expire (TTL) on this attribute, in unix seconds. */
  timeToLiveAttribute?: string;
  /** Holds records of money: deletion protection, and retained when the stack is deleted. */
  moneyRecords: boolean;
  /**
   * Some of the table's own writes go to a few partition key values (the platform's limit
   * counter of a currency: PLATFORM_SHARDS items): the capacity model spreads those writes over
   * this many values, each one partition (1,000 write units a second).
   */
  hotKeyValues?: number;
}

/** What the console lists of an event; `sourceId` is copied already so a filter on it needs no new index. */
export const EVENT_LISTING_FIELDS = [
  'eventId',
  'type',
  'created',
  'account',
  'livemode',
  'kind',
  'status',
  'outcome',
  'detail',
  'appliedAt',
  'deliveries',
  'lastRefusal',
  'replays',
  'replayedAt',
  'replayOutcome',
  'sourceId',
];

/** A string key attribute: every key of the gateway's tables and indexes is a string. */
const key = (name: string): KeyAttribute => ({ name, type: 'S' });

/** A table's own declaration: what `table()` does not derive from its id and keys. */
type TableSpec = Pick<TableDefinition, 'description' | 'timeToLiveAttribute' | 'moneyRecords' | 'hotKeyValues'> & {
  /** No secondary index when absent. */
  indexes?: IndexDefinition[];
};

/**
 * A table from its id, the names of its keys (the partition key's, then the sort key's if it
 * has one) and its spec; the environment variable is the id's (`ledger` → `LEDGER_TABLE`).
 */
function table(
  id: TableDefinition['id'],
  [partitionKey, sortKey]: [string, string?],
  { description, indexes = [], timeToLiveAttribute, moneyRecords, hotKeyValues }: TableSpec,
): TableDefinition {
  return {
    id,
    env: `${id.toUpperCase()}_TABLE`,
    description,
    partitionKey: key(partitionKey),
    ...(sortKey !== undefined && { sortKey: key(sortKey) }),
    indexes,
    ...(timeToLiveAttribute !== undefined && { timeToLiveAttribute }),
    moneyRecords,
    ...(hotKeyValues !== undefined && { hotKeyValues }),
  };
}

export const TABLES: readonly TableDefinition[] = [
  table('ledger', ['cashOutId'], {
    description: 'One item per Village cash-out, keyed by cashOutId; its state is in `status`.',
    indexes: [
      { name: 'byStripeObjectId', partitionKey: key('stripeObjectId') },
      // `<status>#<n>`: a status's writes spread over STATUS_SHARDS key values (read back by itemsByStatus).
      { name: STATUS_INDEX, partitionKey: key('statusShard'), sortKey: key('updatedAt'), keyValues: STATUS_SHARDS },
    ],
    moneyRecords: true,
  }),
  table('recipients', ['email'], {
    description: 'Village user email → Stripe connected account.',
    indexes: [{ name: 'byAccountId', partitionKey: key('accountId') }],
    moneyRecords: true,
  }),
  table('events', ['eventKey'], {
    description: 'Webhook events received (idempotency records): one per event, expiring after the retention period.',
    // For the operator console: events by provider and time, and the events about one object
    // (a cash-out's payout). Only the listing fields are copied, not the raw body.
    indexes: [
      {
        name: EVENTS_INDEX,
        partitionKey: key('providerShard'),
        sortKey: key('receivedAt'),
        include: [...EVENT_LISTING_FIELDS, 'objectId', 'provider'],
        keyValues: EVENT_SHARDS,
      },
      {
        name: 'byObjectId',
        partitionKey: key('objectId'),
        sortKey: key('receivedAt'),
        include: [...EVENT_LISTING_FIELDS, 'provider'],
      },
    ],
    timeToLiveAttribute: 'expiresAt',
    moneyRecords: false,
  }),
  table('records', ['id', 'kind'], {
    description:
      'Provider objects (payment transactions, refunds, disputes, Just Wallet payouts, fundings, quotes), keyed by their own id and kind.',
    // `<kind>#<n>`: a kind's writes (every payment is a `transaction`) spread over RECORD_SHARDS
    // key values, read back by recordsByKind; only the listing fields are copied.
    indexes: [
      {
        name: RECORDS_INDEX,
        partitionKey: key('kindShard'),
        sortKey: key('updatedAt'),
        include: RECORD_LISTING_FIELDS,
        keyValues: RECORD_SHARDS,
      },
    ],
    moneyRecords: true,
  }),
  // One partition per provider, so the sources are listed with a Query, never a Scan.
  table('sources', ['provider', 'sourceId'], {
    description:
      'Webhook sources beside the platform (Stripe merchant endpoints), keyed by provider and sourceId: enabled or disabled, created, rotated. Their secrets are in Secrets Manager.',
    moneyRecords: false,
  }),
  table('history', ['subject', 'entryId'], {
    description:
      'Append-only: operator actions (acknowledgements, replays, reconciliations) and reconciliation decisions, by subject (a cash-out or an event) and time.',
    moneyRecords: true,
  }),
  table('limits', ['id'], {
    description:
      'What a cash-out may move, per currency (per cash-out, per recipient a day, per day): one item, set by operators (npm run limits), read by the cash-out route. Each change is in the history table.',
    moneyRecords: true,
  }),
  table('usage', ['key'], {
    description:
      "What cash-outs have taken of the rolling 24-hour limits: a counter per recipient and currency, the platform's per currency in shards, and a reservation per cash-out (given back once if it is not paid).",
    timeToLiveAttribute: 'expiresAt',
    moneyRecords: false,
    hotKeyValues: PLATFORM_SHARDS,
  }),
];

/** The stack output that names a table (`LedgerTableName`…): the console and commands read them with `--stack`. */
export const tableOutputName = (id: TableDefinition['id']): string => `${id[0]!.toUpperCase()}${id.slice(1)}TableName`;

export function tableDefinition(id: TableDefinition['id']): TableDefinition {
  const table = TABLES.find((candidate) => candidate.id === id);
  if (!table) throw new Error(`No table ${id}`);
  return table;
}

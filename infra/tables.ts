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

export const TABLES: readonly TableDefinition[] = [
  {
    id: 'ledger',
    env: 'LEDGER_TABLE',
    description: 'One item per Village cash-out, keyed by cashOutId; its state is in `status`.',
    partitionKey: { name: 'cashOutId', type: 'S' },
    indexes: [
      { name: 'byStripeObjectId', partitionKey: { name: 'stripeObjectId', type: 'S' } },
      // `<status>#<n>`: a status's writes spread over STATUS_SHARDS key values (read back by itemsByStatus).
      {
        name: STATUS_INDEX,
        partitionKey: { name: 'statusShard', type: 'S' },
        sortKey: { name: 'updatedAt', type: 'S' },
        keyValues: STATUS_SHARDS,
      },
    ],
    moneyRecords: true,
  },
  {
    id: 'recipients',
    env: 'RECIPIENTS_TABLE',
    description: 'Village user email → Stripe connected account.',
    partitionKey: { name: 'email', type: 'S' },
    indexes: [{ name: 'byAccountId', partitionKey: { name: 'accountId', type: 'S' } }],
    moneyRecords: true,
  },
  {
    id: 'events',
    env: 'EVENTS_TABLE',
    description: 'Webhook events received (idempotency records): one per event, expiring after the retention period.',
    partitionKey: { name: 'eventKey', type: 'S' },
    // For the operator console: events by provider and time, and the events about one object
    // (a cash-out's payout). Only the listing fields are copied, not the raw body.
    indexes: [
      {
        name: EVENTS_INDEX,
        partitionKey: { name: 'providerShard', type: 'S' },
        sortKey: { name: 'receivedAt', type: 'S' },
        include: [...EVENT_LISTING_FIELDS, 'objectId', 'provider'],
        keyValues: EVENT_SHARDS,
      },
      {
        name: 'byObjectId',
        partitionKey: { name: 'objectId', type: 'S' },
        sortKey: { name: 'receivedAt', type: 'S' },
        include: [...EVENT_LISTING_FIELDS, 'provider'],
      },
    ],
    timeToLiveAttribute: 'expiresAt',
    moneyRecords: false,
  },
  {
    id: 'records',
    env: 'RECORDS_TABLE',
    description:
      'Provider objects (payment transactions, refunds, disputes, Just Wallet payouts, fundings, quotes), keyed by their own id and kind.',
    partitionKey: { name: 'id', type: 'S' },
    sortKey: { name: 'kind', type: 'S' },
    // `<kind>#<n>`: a kind's writes (every payment is a `transaction`) spread over RECORD_SHARDS
    // key values, read back by recordsByKind; only the listing fields are copied.
    indexes: [
      {
        name: RECORDS_INDEX,
        partitionKey: { name: 'kindShard', type: 'S' },
        sortKey: { name: 'updatedAt', type: 'S' },
        include: RECORD_LISTING_FIELDS,
        keyValues: RECORD_SHARDS,
      },
    ],
    moneyRecords: true,
  },
  {
    id: 'sources',
    env: 'SOURCES_TABLE',
    description:
      'Webhook sources beside the platform (Stripe merchant endpoints), keyed by provider and sourceId: enabled or disabled, created, rotated. Their secrets are in Secrets Manager.',
    // One partition per provider, so the sources are listed with a Query, never a Scan.
    partitionKey: { name: 'provider', type: 'S' },
    sortKey: { name: 'sourceId', type: 'S' },
    indexes: [],
    moneyRecords: false,
  },
  {
    id: 'history',
    env: 'HISTORY_TABLE',
    description:
      'Append-only: operator actions (acknowledgements, replays, reconciliations) and reconciliation decisions, by subject (a cash-out or an event) and time.',
    partitionKey: { name: 'subject', type: 'S' },
    sortKey: { name: 'entryId', type: 'S' },
    indexes: [],
    moneyRecords: true,
  },
  {
    id: 'limits',
    env: 'LIMITS_TABLE',
    description:
      'What a cash-out may move, per currency (per cash-out, per recipient a day, per day): one item, set by operators (npm run limits), read by the cash-out route. Each change is in the history table.',
    partitionKey: { name: 'id', type: 'S' },
    indexes: [],
    moneyRecords: true,
  },
  {
    id: 'usage',
    env: 'USAGE_TABLE',
    description:
      "What cash-outs have taken of the rolling 24-hour limits: a counter per recipient and currency, the platform's per currency in shards, and a reservation per cash-out (given back once if it is not paid).",
    partitionKey: { name: 'key', type: 'S' },
    indexes: [],
    timeToLiveAttribute: 'expiresAt',
    moneyRecords: false,
    hotKeyValues: PLATFORM_SHARDS,
  },
];

/** The stack output that names a table (`LedgerTableName`…): the console and commands read them with `--stack`. */
export const tableOutputName = (id: TableDefinition['id']): string => `${id[0]!.toUpperCase()}${id.slice(1)}TableName`;

export function tableDefinition(id: TableDefinition['id']): TableDefinition {
  const table = TABLES.find((candidate) => candidate.id === id);
  if (!table) throw new Error(`No table ${id}`);
  return table;
}

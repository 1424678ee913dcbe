import { acknowledge } from '../operator/acknowledge.js';
import { parseTimeInput } from '../operator/readable.js';
import type { ReconciledItem, ReconciledStatus } from '../functions/reconcile/decide.js';
import { ALL_STATUSES, ReconcileStore } from '../functions/reconcile/store.js';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { HttpError } from '../functions/shared/errors.js';
import { maskEmail } from '../functions/shared/redact.js';
import { commandLine, exitWith, flagOptions, valueOptions } from './cli.js';
import { UsageError } from '../dev/command-errors.js';
import { localDynamoEndpoint } from '../dev/defaults.js';
import { MONEY_MOVEMENT } from '../functions/stripe-events/ledger-events.js';
import { stripeIdOf } from '../functions/stripe-events/record-entries.js';
import type { StripeRecord } from '../functions/stripe-events/record-entries.js';
import { sourceRecords } from '../operator/records.js';
import { isSourceId, PLATFORM_SOURCE_ID } from '../functions/stripe-events/source-id.js';
import { Logger } from '../functions/shared/telemetry.js';
import { backfillShards } from '../operator/shard-backfill.js';
import { connectOperator, resolveTarget } from '../operator/target.js';

/**
 * `npm run payouts -- show <cashOutId> | list [--status S] [--since T] [--source ID]`: where
 * is cash-out X? Against the local ledger (DYNAMODB_ENDPOINT, default http://127.0.0.1:8000)
 * or a deployed one (`--table`, or `--stack NAME`; AWS credentials from the usual chain).
 * `--json` prints the items as stored. Cash-outs are the platform's own (source `platform`);
 * `--source <merchant>` lists that merchant's payouts, as its Stripe events recorded them
 * (records table). `ack <cashOutId> --note "…"` acknowledges a cash-out that needs attention,
 * recorded with who (`local`, or with `--stack` the AWS identity), when and the note.
 * `backfill-shards [--stack NAME]`: once, after upgrading a stack deployed before the sharded
 * indexes, gives the items written before them their shard (else no reader sees them).
 */
const MERCHANT_PAYOUT_STATUSES = Object.keys(MONEY_MOVEMENT.rank);
const usage =
  'Usage: npm run payouts -- show <cashOutId> | list [--status S] [--since 24h|7d|ISO-time] [--attention] [--limit N] [--source ID]  [--table NAME [--endpoint URL] | --stack NAME] [--records-table NAME] [--region R] [--json]\n' +
  '       npm run payouts -- ack <cashOutId> --note "what you found and did" [--stack NAME --region R]\n' +
  '       npm run payouts -- backfill-shards [--stack NAME --region R]   (once, after upgrading a stack deployed before the sharded indexes)\n' +
  `  statuses: ${ALL_STATUSES.join(', ')}\n` +
  `  --source platform (the default): the cash-out ledger. --source <merchant source>: that merchant's payouts (statuses ${MERCHANT_PAYOUT_STATUSES.join(', ')}), from the records table (--records-table when deployed).`;

function parse() {
  return commandLine(
    usage,
    {
      ...valueOptions('table', 'endpoint', 'region', 'status', 'since', 'limit', 'source', 'records-table', 'note', 'stack'),
      ...flagOptions('json', 'attention'),
    },
    { positionals: true },
  );
}

/** `90m`, `24h`, `7d` ago, or an ISO date/time. */
function sinceTime(value: string): string {
  try {
    return parseTimeInput(value, '--since', Date.now());
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const needsAttention = (item: ReconciledItem) =>
  Boolean(item.needsOperator || item.needsCompensation || item.failedAfterPaid || item.limitRefusal);

/** Short markers for what a person should notice. */
function flags(item: ReconciledItem): string[] {
  return [
    item.needsOperator ? 'NEEDS-OPERATOR' : '',
    item.needsCompensation ? 'needs-compensation' : '',
    item.failedAfterPaid ? 'failed-after-200' : '',
    item.compensation ? item.compensation.replace('_', '-') : '',
    item.limitRefusal ? `limit-exceeded:${item.limitRefusal.limit}` : '',
  ].filter(Boolean);
}

function row(item: ReconciledItem): string {
  const village = item.answer ? `village ${item.answer.statusCode}` : 'village -';
  return [
    item.updatedAt,
    item.cashOutId,
    item.status,
    `${item.amount} ${item.currency}`,
    village,
    item.stripeObjectId ?? '-',
    maskEmail(item.destinationEmail),
    flags(item).join(','),
  ]
    .join('\t')
    .trimEnd();
}

/** A merchant's payout, as its events recorded it. */
function payoutRow(record: StripeRecord): string {
  const amount = typeof record.amount === 'number' ? `${record.amount} ${String(record.currency ?? '').toUpperCase()} (minor units)` : '-';
  return [record.updatedAt, stripeIdOf(record), record.status, amount, record.account ?? '-', record.failureCode ?? '']
    .join('\t')
    .trimEnd();
}

function show(item: ReconciledItem): string {
  const answer = item.answer
    ? `${item.answer.statusCode}${typeof item.answer.body.error === 'string' ? ` ${item.answer.body.error}` : ''}`
    : 'not answered';
  const lines: [string, string | number | undefined][] = [
    ['status', item.status],
    ['attention', item.needsOperator ? `NEEDS OPERATOR: ${item.operatorReason ?? 'see the logs'}` : flags(item).join(', ') || undefined],
    ['amount', `${item.amount} ${item.currency} (${item.amountMinor} minor units)`],
    ['recipient', `${maskEmail(item.destinationEmail)}${item.accountId ? ` → ${item.accountId}` : ''}`],
    ['mode', item.mode],
    ['Stripe', item.stripeObjectId ? `${item.stripeObjectType ?? item.mode} ${item.stripeObjectId}` : undefined],
    ['Village answered', answer],
    ['reason', item.reason],
    ['failure', item.failureCode ? `${item.failureCode}${item.failureMessage ? `: ${item.failureMessage}` : ''}` : undefined],
    [
      'limit',
      item.limitRefusal
        ? `refused by ${item.limitRefusal.limit.replaceAll('_', ' ')}: ${item.limitRefusal.left} of ${item.limitRefusal.limitAmount || 'no limit set'} ${item.limitRefusal.currency} was left`
        : undefined,
    ],
    ['compensation', item.compensation ? `${item.compensation} at ${item.compensatedAt}` : undefined],
    ['amount reversed', item.amountReversed],
    ['created', item.createdAt],
    ['Stripe request', item.stripeRequestSentAt],
    ['updated', item.updatedAt],
    ['reconciled', item.reconciledAt],
    ['attempts', item.attempts],
  ];
  return [
    `Cash-out ${item.cashOutId}`,
    ...lines.filter(([, value]) => value !== undefined && value !== '').map(([label, value]) => `  ${label.padEnd(17)} ${value}`),
  ].join('\n');
}

const { positionals, values } = parse();
const [command, cashOutId] = positionals;
const endpoint = values.endpoint ?? (values.table || values.stack ? undefined : localDynamoEndpoint());
let tableName = values.table ?? process.env.LEDGER_TABLE ?? 'local-ledger';

/** The ledger: `--table`, a stack's (`--stack`), or the local one. */
async function ledgerStore(): Promise<ReconcileStore> {
  if (values.stack) {
    if (values.table || values.endpoint) throw new UsageError('Give --stack or --table, not both.');
    const target = await resolveTarget({ stack: values.stack, region: values.region });
    tableName = target.tables.ledger;
    return new ReconcileStore(makeDocumentClient({ region: target.region }), tableName);
  }
  return new ReconcileStore(makeDocumentClient({ endpoint, region: values.region }), tableName);
}

const source = values.source ?? PLATFORM_SOURCE_ID;

try {
  if (!isSourceId(source)) throw new UsageError(`--source must be a source id (npm run sources -- list), not "${source}".`);
  if (command !== 'ack' && values.note !== undefined) throw new UsageError('--note goes with ack.');
  if (source !== PLATFORM_SOURCE_ID && (command === 'show' || command === 'ack')) {
    throw new UsageError(
      `Cash-outs are the platform's own: a merchant source has none. Its payouts: npm run payouts -- list --source ${source}`,
    );
  }
  if (source !== PLATFORM_SOURCE_ID && command === 'list') {
    if (values.attention) throw new UsageError("--attention is about cash-outs, the platform's own; it does not go with --source.");
    const status = values.status;
    if (status !== undefined && !MERCHANT_PAYOUT_STATUSES.includes(status)) throw new UsageError(`Unknown payout status "${status}".`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number, at least 1.');
    const since = values.since === undefined ? undefined : sinceTime(values.since);
    const recordsTable =
      values['records-table'] ?? process.env.RECORDS_TABLE ?? (values.table || values.stack ? undefined : 'local-records');
    if (!recordsTable)
      throw new UsageError(
        'With --table or --stack (a deployed stack) and --source, give --records-table too (the RecordsTableName output).',
      );
    const payouts = await sourceRecords(
      makeDocumentClient({ endpoint, region: values.region }),
      { tableName: recordsTable, sourceId: source, kind: 'payout', statuses: status ? [status] : MERCHANT_PAYOUT_STATUSES },
      { since, limit },
    );
    if (values.json) console.log(JSON.stringify(payouts, null, 2));
    else if (payouts.length === 0)
      console.log(
        `No payouts of source ${source}${status ? ` with status ${status}` : ''}${since ? ` updated since ${since}` : ''} in ${recordsTable}.`,
      );
    else for (const payout of payouts) console.log(payoutRow(payout));
  } else if (command === 'backfill-shards' && !cashOutId) {
    if (values.table || values.endpoint) throw new UsageError("backfill-shards works on the local tables, or a stack's with --stack NAME.");
    const target = await resolveTarget({ stack: values.stack, region: values.region });
    const counts = await backfillShards(makeDocumentClient({ endpoint: target.endpoint, region: target.region }), target.tables);
    console.log(
      `Shards written on ${target.description}: ${counts.ledger} ledger item(s), ${counts.records} record(s), ${counts.events} event(s).`,
    );
  } else if (command === 'ack' && cashOutId) {
    if (values.table || values.endpoint)
      throw new UsageError("ack works on the local tables, or a stack's with --stack NAME (it writes the history table too).");
    if (!values.note?.trim()) throw new UsageError('ack needs --note "…": what you found, and what you did or will do.');
    const { target, deps } = await connectOperator({
      stack: values.stack,
      region: values.region,
      logger: new Logger({ serviceName: 'payouts', logLevel: 'WARN' }),
    });
    const { acknowledgement } = await acknowledge(cashOutId, values.note, deps);
    console.log(
      `Acknowledged cash-out ${cashOutId} (${acknowledgement.reasons.join(', ')}) as ${acknowledgement.by} at ${acknowledgement.at} on ${target.description}.`,
    );
  } else if (command === 'show' && cashOutId) {
    const item = await (await ledgerStore()).get(cashOutId);
    if (!item) {
      console.error(`No cash-out ${cashOutId} in ${tableName}.`);
      process.exit(1);
    }
    console.log(values.json ? JSON.stringify(item, null, 2) : show(item));
  } else if (command === 'list') {
    const status = values.status as ReconciledStatus | undefined;
    if (status !== undefined && !ALL_STATUSES.includes(status)) throw new UsageError(`Unknown status "${status}".`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number, at least 1.');
    const since = values.since === undefined ? undefined : sinceTime(values.since);
    let items = await (await ledgerStore()).list({ status, since, limit: values.attention ? 10_000 : limit });
    if (values.attention) items = items.filter(needsAttention).slice(0, limit);
    if (values.json) console.log(JSON.stringify(items, null, 2));
    else if (items.length === 0)
      console.log(
        `No cash-outs${status ? ` with status ${status}` : ''}${since ? ` updated since ${since}` : ''}${values.attention ? ' needing attention' : ''} in ${tableName}.`,
      );
    else for (const item of items) console.log(row(item));
  } else {
    console.error(usage);
    process.exit(2);
  }
} catch (error) {
  // A refusal of the operator's own input (e.g. acknowledging what needs nothing) is a usage error.
  exitWith(error instanceof HttpError && error.statusCode === 400 ? new UsageError(error.message) : error, {
    usage,
    dynamoEndpoint: endpoint,
  });
}

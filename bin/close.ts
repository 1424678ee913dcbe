import { closeOf } from '../functions/close/close-reads.js';
import type { CloseOutcome, Difference, Movement } from '../functions/close/close.js';
import { addDays, dayStart } from '../functions/reports/days.js';
import { isReportType } from '../functions/reports/report-types.js';
import { isSourceId, PLATFORM_SOURCE_ID } from '../functions/stripe-events/source-id.js';
import { commandLine, refuse, runCommand, valueOptions, flagOptions } from './cli.js';
import { requestAndWait } from './report-run.js';
import { reportsEnv } from '../operator/reports-target.js';

/**
 * `npm run close -- --date <YYYY-MM-DD> [--source <id>] [--json]`: the daily close of one UTC
 * day, for the platform and each merchant source (or only --source): counts and every
 * difference; exits 1 when the day does not close.
 */
const usage = `Usage: npm run close -- --date <YYYY-MM-DD> [--source <sourceId>] [--json]
  Ties every cash-out's payout or transfer of that UTC day to Stripe's kept reports (balance_change_from_activity.itemized.3
  for transfers, connected_account_payouts.itemized.3 for payouts on connected accounts) by object id, amount and currency.
  First asks Stripe for each report the close needs that is not kept yet for that day (and waits for the gateway to keep it),
  unless --no-fetch; a day Stripe's data does not cover yet stays waiting.
  Exits 0 when the day closes, 1 when it does not (a difference, or a report not kept yet), 2 on a usage mistake.
  Where: DYNAMODB_ENDPOINT (http://127.0.0.1:8000) and the tables' variables (default local-…).`;

const { values } = commandLine(usage, { ...valueOptions('date', 'source'), ...flagOptions('json', 'no-fetch') });
if (!values.date) refuse(usage, '--date is required.');
try {
  dayStart(values.date);
} catch (error) {
  refuse(usage, `--date: ${(error as Error).message}`);
}
if (values.source !== undefined && !isSourceId(values.source))
  refuse(usage, `--source must be a source id (npm run sources -- list), not "${values.source}".`);
const target = reportsEnv();

await runCommand(
  async () => {
    const sourceIds = values.source
      ? [values.source]
      : [
          PLATFORM_SOURCE_ID,
          ...(await target.sources.list()).filter((source) => source.status === 'enabled').map((source) => source.sourceId),
        ];
    const closeAll = () =>
      Promise.all(
        sourceIds.map((sourceId) =>
          closeOf({ db: target.db, ledgerTable: target.ledgerTable, reports: target.reports }, values.date!, sourceId),
        ),
      );
    let outcomes = await closeAll();
    if (!values['no-fetch'] && outcomes.some((outcome) => outcome.waitingFor.length > 0)) {
      for (const outcome of outcomes) await fetchMissing(outcome);
      outcomes = await closeAll();
    }
    if (values.json) console.log(JSON.stringify(outcomes, null, 2));
    else outcomes.forEach(print);
    return outcomes.every((outcome) => outcome.state === 'closed') ? 0 : 1;
  },
  { usage, dynamoEndpoint: () => target.dynamoEndpoint },
);

/** Asks Stripe, one at a time, for each report the close of this day and source still waits for. */
async function fetchMissing(outcome: CloseOutcome): Promise<void> {
  const intervalStart = dayStart(outcome.day);
  for (const reportType of outcome.waitingFor.filter(isReportType)) {
    // No Stripe key for the source (or Stripe unreachable): the day stays waiting, as with --no-fetch.
    const kept = await requestAndWait(
      target,
      { sourceId: outcome.sourceId, reportType, intervalStart, intervalEnd: intervalStart + 86_400 },
      'npm run close',
      60,
    ).catch((error: unknown) => ({ kind: 'stopped', message: (error as Error).message }) as const);
    if (kept.kind === 'kept')
      console.log(`fetched ${reportType} for ${outcome.day}: ${kept.rowCount} row${kept.rowCount === 1 ? '' : 's'}`);
    else
      console.error(
        `not fetched ${reportType} for ${outcome.day} (${outcome.sourceId}): ${kept.kind === 'stopped' ? kept.message : `report run ${kept.runId} not kept within 60 s`}`,
      );
  }
}

function print(outcome: CloseOutcome): void {
  const counts = (kind: Difference['kind']) => outcome.differences.filter((difference) => difference.kind === kind).length;
  const verdict = outcome.state === 'closed' ? 'CLOSED' : outcome.state === 'waiting' ? 'NOT CLOSED (waiting for reports)' : 'NOT CLOSED';
  console.log(`${outcome.day} ${outcome.sourceId}: ${verdict}`);
  if (outcome.waitingFor.length > 0) {
    for (const type of outcome.waitingFor)
      console.log(
        `  waiting for ${type}: npm run reports -- run${outcome.sourceId === PLATFORM_SOURCE_ID ? '' : ` --source ${outcome.sourceId}`} --type ${type} --from ${outcome.day} --to ${addDays(outcome.day, 1)}`,
      );
    return;
  }
  console.log(
    `  matched ${outcome.matched.length} · amount differs ${counts('amount_differs')} · in Stripe, unknown to the ledger ${counts('unknown_to_ledger')} · in the ledger, absent from Stripe ${counts('missing_from_stripe')}`,
  );
  for (const difference of outcome.differences) console.log(`  ${describe(difference)}`);
}

function describe(difference: Difference): string {
  const money = (movement?: Movement) => (movement ? `${movement.amountMinor} ${movement.currency}` : '?');
  const where = (movement?: Movement) =>
    [movement?.kind, movement?.objectId, movement?.account ? `on ${movement.account}` : ''].filter(Boolean).join(' ');
  if (difference.kind === 'amount_differs')
    return `amount differs: ${where(difference.stripe)} (cash-out ${difference.ledger?.cashOutId}): ledger ${money(difference.ledger)}, Stripe ${money(difference.stripe)}`;
  if (difference.kind === 'unknown_to_ledger')
    return `in Stripe, unknown to the ledger: ${where(difference.stripe)}, ${money(difference.stripe)}`;
  return `in the ledger, absent from Stripe: ${where(difference.ledger)} (cash-out ${difference.ledger?.cashOutId}), ${money(difference.ledger)}`;
}

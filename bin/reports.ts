import { gunzipSync } from 'node:zlib';
import { dayStart } from '../functions/reports/days.js';
import { isReportType, PLATFORM_REPORT_TYPES, reportTypesFor } from '../functions/reports/report-types.js';
import { isSourceId, PLATFORM_SOURCE_ID } from '../functions/stripe-events/source-id.js';
import { commandLine, flagOptions, refuse, runCommand, valueOptions } from './cli.js';
import { requestAndWait } from './report-run.js';
import { reportsEnv } from '../operator/reports-target.js';

/**
 * `npm run reports -- run [--source <id>] --type <report_type> --from <day> --to <day>`: asks
 * Stripe for one report run by hand, then waits (up to --wait seconds) for its
 * `reporting.report_run.succeeded` to reach the gateway and the file to be kept.
 * `npm run reports -- show <frr_…> [--source <id>] [--csv]`: a kept run, or its file as Stripe sent it.
 */
const usage = `Usage: npm run reports -- run [--source <sourceId>] --type <report_type> --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--connected-account acct_…] [--wait <seconds>]
       npm run reports -- show <frr_…> [--source <sourceId>] [--csv]
  --from is the first UTC day, --to the day after the last (exclusive), as Stripe's interval_start and interval_end.
  --source: a merchant source (its restricted key), or platform (the default).
  Report types: ${PLATFORM_REPORT_TYPES.join(', ')} (connected_account_* for the platform only).
  Where: DYNAMODB_ENDPOINT (http://127.0.0.1:8000) and the tables' variables (default local-…); Stripe: the stand-in of npm start,
  or STRIPE_API_BASE=<URL>, or STRIPE_SECRET_KEY=sk_…/rk_….`;

const { values, positionals } = commandLine(
  usage,
  { ...valueOptions('source', 'type', 'from', 'to', 'connected-account', 'wait'), ...flagOptions('csv') },
  { positionals: true },
);
const [command, runArg, ...extra] = positionals;
if (extra.length > 0) refuse(usage, `Unexpected argument ${extra[0]}.`);
const sourceId = values.source ?? PLATFORM_SOURCE_ID;
if (!isSourceId(sourceId)) refuse(usage, `--source must be a source id (npm run sources -- list), not "${sourceId}".`);
const target = reportsEnv();

await runCommand(
  async () => {
    if (command === 'run') return run();
    if (command === 'show' && runArg?.startsWith('frr_')) return show(runArg);
    refuse(usage, command === 'show' ? 'show needs a report run id (frr_…).' : `Unknown command ${command ?? '(none)'}: run or show.`);
  },
  { usage, dynamoEndpoint: () => target.dynamoEndpoint },
);

async function run(): Promise<number> {
  const type = values.type;
  if (!type) refuse(usage, '--type is required.');
  if (!isReportType(type) || !reportTypesFor(sourceId === PLATFORM_SOURCE_ID).includes(type))
    refuse(usage, `--type ${type} is not a report type the gateway runs for ${sourceId}.`);
  if (!values.from || !values.to) refuse(usage, '--from and --to are required (UTC days, YYYY-MM-DD; --to is exclusive).');
  const [intervalStart, intervalEnd] = [day(values.from, '--from'), day(values.to, '--to')];
  if (intervalEnd <= intervalStart)
    refuse(usage, '--to must be after --from (it is exclusive: --from 2026-12-03 --to 2026-12-04 is one day).');
  const connectedAccount = values['connected-account'];
  if (connectedAccount !== undefined && (!/^acct_[A-Za-z0-9]+$/.test(connectedAccount) || !type.startsWith('connected_account_')))
    refuse(usage, '--connected-account takes an acct_… id, with a connected_account_* type.');
  const waitSeconds = values.wait === undefined ? 30 : Number(values.wait);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 600)
    refuse(usage, `--wait must be whole seconds from 0 to 600, not "${values.wait}".`);

  const outcome = await requestAndWait(
    target,
    { sourceId, reportType: type, intervalStart, intervalEnd, connectedAccount },
    'npm run reports',
    waitSeconds,
    (runId) => console.log(`Requested ${type} for ${sourceId}, ${values.from} to ${values.to} (exclusive): report run ${runId}.`),
  );
  if (outcome.kind === 'stopped') return fail(outcome.message);
  if (outcome.kind === 'requested') {
    console.log("Not kept yet: the gateway fetches the file when Stripe's reporting.report_run.succeeded arrives.");
    return waitSeconds === 0 ? 0 : 1;
  }
  console.log(
    `Kept: the file (${outcome.fileBytes} bytes compressed, ${outcome.chunks} chunk${outcome.chunks === 1 ? '' : 's'}) and ${outcome.rowCount} row${outcome.rowCount === 1 ? '' : 's'}.`,
  );
  return 0;
}

async function show(runId: string): Promise<number> {
  const kept = await target.reports.getRun(sourceId, runId);
  if (!kept) return fail(`No report run ${runId} kept for ${sourceId}.`);
  if (values.csv) {
    process.stdout.write(gunzipSync(await target.reports.file(sourceId, runId)));
    return 0;
  }
  console.log(JSON.stringify({ ...kept, rows: await target.reports.rows(sourceId, runId) }, null, 2));
  return 0;
}

function day(value: string, option: string): number {
  try {
    return dayStart(value);
  } catch {
    refuse(usage, `${option} must be a UTC day written YYYY-MM-DD, not "${value}".`);
  }
}

function fail(message: string): number {
  console.error(message);
  return 1;
}

import { replayEvent, replayMatching, describeReplay, type ReplayResult } from '../operator/replay.js';
import { checkNote } from '../operator/acknowledge.js';
import { HttpError } from '../functions/shared/errors.js';
import { Logger } from '../functions/shared/telemetry.js';
import { eventFilter } from '../operator/console/filters.js';
import { commandLine, refuse as refuseWith, valueOptions, flagOptions } from './cli.js';
import { connectOperator } from '../operator/target.js';

/**
 * `npm run replay -- <eventKey>`: applies a stored event again through the route's own apply
 * code; or, with a filter and a window (`--since`), every matching event, oldest first.
 * `--dry-run` shows what would change and writes nothing. Each replay is recorded (who, when,
 * the note) in the history table. Locally, or against a stack (`--stack NAME --region R`).
 */
const usage =
  'Usage: npm run replay -- <eventKey | evt_…> [--dry-run] [--note "…"] [--json]\n' +
  '       npm run replay -- --since 24h|7d|ISO [--until ISO] [--provider stripe|just-wallet] [--type T|prefix.] [--outcome O|unapplied] [--limit N] [--dry-run] [--note "…"] [--json]\n' +
  '       add --stack NAME --region R for a deployed stack (your AWS credentials)';

const { positionals, values } = commandLine(
  usage,
  {
    ...valueOptions('note', 'since', 'until', 'provider', 'type', 'outcome', 'limit', 'stack', 'region'),
    ...flagOptions('dry-run', 'json'),
  },
  { positionals: true },
);
const refuse = (message: string): never => refuseWith(usage, message);
const filtering = ['since', 'until', 'provider', 'type', 'outcome', 'limit'].some(
  (name) => values[name as keyof typeof values] !== undefined,
);
if (positionals.length > 1) refuse('One event at a time; for several, use a filter and --since.');
if (positionals.length === 1 && filtering) refuse('Give an event key or a filter, not both.');
if (positionals.length === 0 && !filtering) refuse('Which events? Give an event key, or a filter with --since.');
if (filtering && !values.since) refuse('A bulk replay needs --since (the start of the window), so a slip cannot replay a month of events.');
const limit = values.limit === undefined ? 500 : Number(values.limit);
if (!Number.isInteger(limit) || limit < 1) refuse('--limit must be a whole number, at least 1.');
const dryRun = values['dry-run'] ?? false;

const logger = new Logger({ serviceName: 'replay', logLevel: 'WARN' });
let failed = false;
try {
  const note = checkNote(values.note, false);
  const { target, deps } = await connectOperator({ stack: values.stack, region: values.region, logger });
  if (positionals.length === 1) {
    const key = /^evt_/.test(positionals[0]!) ? `stripe:${positionals[0]}` : positionals[0]!;
    const result = await replayEvent(key, deps.replay, { dryRun, note });
    failed = result.outcome === 'error';
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else console.log(`${header(dryRun, target.who)}\n${line(result)}`);
  } else {
    const filter = eventFilter(
      { from: values.since, to: values.until, provider: values.provider, type: values.type, outcome: values.outcome },
      Date.now(),
    );
    // The window is fixed now, so the events replayed are the ones that matched when it ran.
    const bulk = await replayMatching({ ...filter, to: filter.to ?? new Date().toISOString() }, deps.replay, { dryRun, limit, note });
    failed = bulk.results.some((result) => result.outcome === 'error');
    if (values.json) console.log(JSON.stringify(bulk, null, 2));
    else {
      console.log(header(dryRun, target.who));
      for (const result of bulk.results) console.log(line(result));
      const changed = bulk.results.filter((result) => result.changed).length;
      console.log(
        `${bulk.results.length} event(s) ${dryRun ? 'looked at' : 'replayed'}, ${changed} ${dryRun ? 'would change' : 'changed'} something.`,
      );
      if (bulk.tooMany)
        console.log(
          `More than ${limit} events match: only the first ${limit} are shown; narrow the filter (or raise --limit) to replay them.`,
        );
    }
  }
} catch (error) {
  if (error instanceof HttpError && error.statusCode < 500) {
    if (error.statusCode === 400) refuse(error.message);
    console.error(error.message);
    process.exit(1);
  }
  console.error(`Replay failed: ${(error as Error).message}`);
  process.exit(1);
}
process.exit(failed ? 1 : 0);

function header(dry: boolean, who: string): string {
  return dry ? 'Dry run: nothing is written.' : `Replaying as ${who}; each replay is recorded in the history table.`;
}

function line(result: ReplayResult): string {
  return [result.eventKey, result.type, describeReplay(result)].join('\t');
}

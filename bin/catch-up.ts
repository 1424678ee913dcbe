import { Logger } from '@aws-lambda-powertools/logger';
import { catchUp, STRIPE_EVENT_DAYS, type CatchUpSummary, type Counts, type ListSummary } from '../functions/catch-up/catch-up.js';
import { CatchUpSourceError } from '../functions/catch-up/sources.js';
import { catchUpDepsFromEnv } from '../functions/catch-up/wiring.js';
import { parseSince, SINCE_FORMAT } from '../functions/shared/since.js';
import { isSourceId } from '../functions/stripe-events/source-id.js';
import { stripeJobEnv } from '../operator/target.js';
import { commandLine, flagOptions, refuse as refuseWith, valueOptions } from './cli.js';

/**
 * `npm run catch-up -- --since <duration|ISO time> [--source <id>]`: one run of the scheduled
 * catch-up, the same code, against the local tables (DYNAMODB_ENDPOINT, default
 * http://127.0.0.1:8000) and the Stripe of `npm start` (the stand-in on its default port,
 * unless STRIPE_API_BASE or STRIPE_SECRET_KEY says otherwise).
 */
const usage = `Usage: npm run catch-up -- --since <90m|72h|30d|ISO time> [--until <same>] [--source <sourceId>] [--json] [--verbose]
  Lists the events of the types the gateway acts on, created since then (and before --until: a long import in slices;
  Stripe keeps ${STRIPE_EVENT_DAYS} days), for the platform
  and each connected account with cash-outs, and for each merchant source with an API key (or only --source; "platform" is the
  platform), and applies every one not applied yet. Exits 1 when any list or event failed.
  Where: DYNAMODB_ENDPOINT (http://127.0.0.1:8000) and the tables' variables (LEDGER_TABLE… default local-…);
  Stripe: the local stand-in, or STRIPE_API_BASE=<URL>, or STRIPE_SECRET_KEY=sk_…/rk_… (the platform's key; it must read Events).
  Against a deployed stack, invoke its function instead (docs/sources-and-catch-up.md), or set STRIPE_SOURCE_SECRET_PREFIX,
  the five tables' variables, STRIPE_SECRET_KEY and AWS_REGION from its outputs.`;

const { values } = commandLine(usage, { ...valueOptions('since', 'until', 'source'), ...flagOptions('json', 'verbose') });
if (values.since === undefined) refuse('--since is required: how far back to look.');
const since = parseSince(values.since, Date.now());
if (since === undefined) refuse(`--since must be ${SINCE_FORMAT}, not "${values.since}".`);
const until = values.until === undefined ? undefined : parseSince(values.until, Date.now());
if (values.until !== undefined && (until === undefined || until <= since))
  refuse(`--until must be ${SINCE_FORMAT}, after --since, not "${values.until}".`);
if (values.source !== undefined && !isSourceId(values.source))
  refuse(`--source must be a source id (npm run sources -- list), not "${values.source}".`);

const env = stripeJobEnv();

// What could not be applied is logged to stderr; --verbose adds every event applied.
const logger = new Logger({ serviceName: 'catch-up', logLevel: values.verbose ? 'INFO' : 'ERROR' });
try {
  const summary = await catchUp(catchUpDepsFromEnv(env, { logger }), { since, until, sourceId: values.source });
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else print(summary);
  process.exit(summary.totals.failed > 0 ? 1 : 0);
} catch (error) {
  console.error(error instanceof CatchUpSourceError ? error.message : `Catch-up failed: ${(error as Error).message}`);
  process.exit(1);
}

function refuse(message: string): never {
  return refuseWith(usage, message);
}

function print(summary: CatchUpSummary): void {
  if (summary.requestedSince) {
    console.log(
      `Stripe keeps events for ${STRIPE_EVENT_DAYS} days: --since ${values.since} asks for more (from ${summary.requestedSince}); listing from ${summary.since}. Older events cannot be fetched.`,
    );
  }
  console.log(`Catch-up of Stripe events created since ${summary.since}${summary.until ? ` and before ${summary.until}` : ''}:`);
  const width = Math.max(...summary.lists.map((list) => label(list).length), 8);
  for (const list of summary.lists)
    console.log(`  ${label(list).padEnd(width)}  ${list.skipped ? `skipped: ${list.skipped}` : counts(list)}`);
  for (const failure of summary.failures)
    console.log(`  FAILED ${[failure.sourceId, failure.account, failure.eventId].filter(Boolean).join(' ')}: ${failure.reason}`);
  console.log(`Total: ${counts(summary.totals)}`);
  if (summary.totals.failed > 0)
    console.log('Run it again: a list that failed was not applied at all, and what was applied is not applied twice.');
}

function label(list: ListSummary): string {
  return list.account ? `${list.sourceId} ${list.account}` : list.sourceId;
}

function counts(value: Counts): string {
  const parts = [
    `fetched ${value.fetched}`,
    `already applied ${value.alreadyApplied}`,
    `applied ${value.applied}`,
    `failed ${value.failed}`,
  ];
  if (value.deferred > 0)
    parts.splice(3, 0, `deferred ${value.deferred} (being applied, or their cash-out is still being paid: the next run applies them)`);
  return parts.join(' · ');
}

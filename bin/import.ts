import { Logger } from '@aws-lambda-powertools/logger';
import cliProgress from 'cli-progress';
import { UnfinishedImportError } from '../operator/import/import.js';
import { CATCH_UP_DAYS, runImport } from '../operator/import/run.js';
import { ImportSourceError, importDepsFromEnv } from '../operator/import/wiring.js';
import { parseSince, SINCE_FORMAT } from '../functions/shared/since.js';
import { isSourceId } from '../functions/stripe-events/source-id.js';
import { stripeJobEnv } from '../operator/target.js';
import { commandLine, exitWith, refuse as refuseWith, valueOptions, flagOptions } from './cli.js';
import { UsageError } from '../dev/command-errors.js';
import { formatImportSummary } from '../operator/import/summary.js';

/**
 * `npm run import -- --since <date> [--source <id>]`: a source's history older than Stripe's 30
 * days of events, from Stripe's list APIs, written as the webhook would have written it;
 * resumable, rate-limited, with a progress bar and a summary. Local tables and the stand-in of
 * `npm start` unless the environment names others (as `npm run catch-up`).
 */
const usage = `Usage: npm run import -- --since <date|365d> [--until <date|30d|now>] [--source <sourceId>] [--rate <requests a second>] [--restart] [--json]
  Lists payment intents, charges, refunds, disputes and payouts (and, for the platform, transfers and its connected
  accounts' payouts) created from --since until --until (default ${CATCH_UP_DAYS}d: 30 days ago; the last ${CATCH_UP_DAYS} days are catch-up's),
  for the platform and every merchant source with an API key, or only --source ("platform" is the platform), and applies each
  as the webhook would: never over what an event already said. --rate: Stripe requests a second (default 20).
  Interrupted, the same command goes on where it stopped; --restart lists everything again (nothing is written twice).
  Where: DYNAMODB_ENDPOINT and the tables' variables as for npm run catch-up; Stripe: the local stand-in, STRIPE_API_BASE or STRIPE_SECRET_KEY.`;

const { values } = commandLine(usage, { ...valueOptions('since', 'until', 'source', 'rate'), ...flagOptions('restart', 'json') });
const refuse = (message: string): never => refuseWith(usage, message);
const now = Date.now();
if (values.since === undefined) refuse('--since is required: how far back the history goes.');
const since = parseSince(values.since!, now) ?? refuse(`--since must be ${SINCE_FORMAT}, not "${values.since}".`);
const until =
  values.until === undefined
    ? undefined
    : values.until === 'now'
      ? now
      : (parseSince(values.until, now) ?? refuse(`--until must be ${SINCE_FORMAT} or now, not "${values.until}".`));
if (values.source !== undefined && !isSourceId(values.source))
  refuse(`--source must be a source id (npm run sources -- list), not "${values.source}".`);
const rate = values.rate === undefined ? 20 : Number(values.rate);
if (!/^\d+$/.test(values.rate ?? '20') || rate < 1 || rate > 100)
  refuse(`--rate must be a whole number of requests a second from 1 to 100, not "${values.rate}".`);

// As npm run catch-up: local defaults unless STRIPE_SOURCE_SECRET_PREFIX says a deployed stack.
const env = stripeJobEnv();

// The bar is drawn on a terminal only (stderr); what could not be applied is logged there too.
const bar = new cliProgress.SingleBar(
  { format: '{list} {value} objects listed ({speed}/s)', stream: process.stderr, clearOnComplete: true, hideCursor: true },
  cliProgress.Presets.shades_classic,
);
let current = '';
let listStarted = Date.now();
const logger = new Logger({ serviceName: 'import', logLevel: 'ERROR' });
try {
  const deps = importDepsFromEnv(env, {
    logger,
    rate: {
      perSecond: rate,
      retries429: 5,
      onBackOff: (ms) => bar.update({ list: `${current} (Stripe asked to slow down: waiting ${Math.round(ms / 1000)} s)` }),
    },
  });
  deps.onProgress = ({ target, processed }) => {
    const name = [target.sourceId, target.list, target.account].filter(Boolean).join(' ');
    if (name !== current) {
      bar.stop();
      bar.start(Number.MAX_SAFE_INTEGER, 0, { list: name, speed: 0 });
      current = name;
      listStarted = Date.now();
    }
    bar.update(processed, { list: name, speed: Math.round(processed / Math.max(1, (Date.now() - listStarted) / 1000)) });
  };
  const summary = await runImport(deps, { since, until, sourceId: values.source, restart: values.restart });
  bar.stop();
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatImportSummary(summary));
  process.exit(summary.complete ? 0 : 1);
} catch (error) {
  bar.stop();
  if (error instanceof UnfinishedImportError || error instanceof RangeError) exitWith(new UsageError(error.message), { usage });
  exitWith(error instanceof ImportSourceError ? new Error(error.message) : error, {
    dynamoEndpoint: env.STRIPE_SOURCE_SECRET_PREFIX ? undefined : env.DYNAMODB_ENDPOINT,
  });
}

import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { reconcile, type ItemResult, type ReconcileSummary } from '../functions/reconcile/reconcile.js';
import { reconcileDepsFromEnv } from '../functions/reconcile/wiring.js';
import { LOCAL_STRIPE_STAND_IN_PORT } from '../lib/local/environment.js';
import { UsageError, exitWith, failureMessage, guardCommand, usageErrorFrom } from '../lib/cli.js';
import { localDynamoEndpoint } from '../lib/local/defaults.js';

/**
 * `npm run reconcile`: one run of the scheduled reconciliation job, the same code, against the
 * local ledger (DYNAMODB_ENDPOINT, default http://127.0.0.1:8000; LEDGER_TABLE, default
 * local-ledger) or a deployed one (`--table`), and the Stripe at STRIPE_API_BASE (the stand-in
 * `npm start` printed) or the one STRIPE_SECRET_KEY belongs to.
 */
const usage =
  'Usage: npm run reconcile -- [--dry-run] [--json] [--verbose] [--table NAME] [--endpoint URL] [--region R]\n' +
  '  Stripe: STRIPE_API_BASE=<URL> (the local stand-in npm start printed) or STRIPE_SECRET_KEY=sk_… / rk_…';
guardCommand({ usage });
let values: { table?: string; endpoint?: string; region?: string; json?: boolean; 'dry-run'?: boolean; verbose?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    strict: true,
    options: {
      table: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  }));
} catch (error) {
  exitWith(usageErrorFrom(error), { usage });
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const env = { ...process.env };
env.LEDGER_TABLE = values.table ?? env.LEDGER_TABLE ?? 'local-ledger';
env.DYNAMODB_ENDPOINT = values.endpoint ?? (values.table ? undefined : localDynamoEndpoint(env));
if (!env.STRIPE_API_BASE && !env.STRIPE_SECRET_KEY && !env.STRIPE_SECRET_KEY_ARN) {
  if (values.table) {
    exitWith(new UsageError("Which Stripe? Set STRIPE_SECRET_KEY to the platform's key (or STRIPE_API_BASE)."), { usage });
  }
  // The stand-in `npm start` runs when no Stripe is configured, on its default port.
  env.STRIPE_API_BASE = `http://127.0.0.1:${env.STRIPE_STAND_IN_PORT ?? LOCAL_STRIPE_STAND_IN_PORT}`;
}
if (env.STRIPE_API_BASE) env.STRIPE_SECRET_KEY ??= 'sk_test_local_stand_in';

// Problems (needs operator, errors) are logged to stderr; --verbose adds every decision.
const logger = new Logger({ serviceName: 'reconcile', logLevel: values.verbose ? 'INFO' : 'ERROR' });
try {
  const deps = reconcileDepsFromEnv(env, { logger, region: values.region });
  const summary = await reconcile({ ...deps, dryRun: values['dry-run'] ?? false });
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else print(summary);
  process.exit(summary.counts.error > 0 ? 1 : 0);
} catch (error) {
  console.error(`Reconciliation failed: ${failureMessage(error, { dynamoEndpoint: env.DYNAMODB_ENDPOINT })}`);
  process.exit(1);
}

function print(summary: ReconcileSummary): void {
  const looked = summary.items.length;
  console.log(`Reconciliation of ${summary.table} at ${summary.startedAt}${summary.dryRun ? ' (dry run: nothing written, nothing changed at Stripe)' : ''}: ${looked} cash-out${looked === 1 ? '' : 's'} looked at.`);
  for (const item of summary.items) console.log(`  ${line(item)}`);
  const counts = Object.entries(summary.counts).filter(([, count]) => count > 0).map(([outcome, count]) => `${outcome.replace('_', ' ')} ${count}`);
  if (counts.length) console.log(counts.join(', '));
  if (summary.deferred) console.log(`${summary.deferred} left for the next run (out of time).`);
  if (summary.counts.needs_operator) console.log('Cash-outs needing an operator: npm run payouts -- list --attention');
}

function line(item: ItemResult): string {
  const move = item.to && item.to !== item.from ? `${item.from} → ${item.to}` : item.from;
  const what = item.outcome === 'needs_operator' ? `NEEDS OPERATOR: ${item.reason}` : `${item.outcome.replace('_', ' ')} (${item.reason})`;
  return [item.cashOutId, move, what, item.stripeObjectId ?? ''].join('\t').trimEnd();
}

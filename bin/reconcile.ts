import { localDynamoEndpoint } from '../dev/defaults.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { decisionKey, hasAction, previewReconcile, reconcileNow } from '../operator/reconcile-now.js';
import { checkNote } from '../operator/acknowledge.js';
import { describeResult, reconcile, type ItemResult, type ReconcileSummary } from '../functions/reconcile/reconcile.js';
import { reconcileDepsFromEnv } from '../functions/reconcile/wiring.js';
import { HttpError } from '../functions/shared/errors.js';
import { commandLine, flagOptions, refuse as refuseWith, valueOptions } from './cli.js';
import { failureMessage } from '../dev/command-errors.js';
import { connectOperator, stripeForReconcile } from '../operator/target.js';

/**
 * `npm run reconcile`: one run of the scheduled reconciliation job, the same code, against the
 * local ledger (DYNAMODB_ENDPOINT, default http://127.0.0.1:8000; LEDGER_TABLE, default
 * local-ledger) or a deployed one (`--table`), and the Stripe at STRIPE_API_BASE (the stand-in
 * `npm start` printed) or the one STRIPE_SECRET_KEY belongs to.
 *
 * `--cash-out <id>`: one cash-out, now: the decision is shown first, then acted on (unless
 * `--dry-run`), and recorded with who and the note in the history table.
 */
const usage =
  'Usage: npm run reconcile -- [--dry-run] [--json] [--verbose] [--table NAME] [--endpoint URL] [--region R]\n' +
  '       npm run reconcile -- --cash-out <cashOutId> [--dry-run] [--note "…"] [--stack NAME --region R]\n' +
  '  Stripe: STRIPE_API_BASE=<URL> (the local stand-in npm start printed) or STRIPE_SECRET_KEY=sk_… / rk_…';
const { values } = commandLine(usage, {
  ...valueOptions('table', 'endpoint', 'region', 'cash-out', 'note', 'stack'),
  ...flagOptions('json', 'dry-run', 'verbose'),
});
const refuse = (message: string): never => refuseWith(usage, message);

// Problems (needs operator, errors) are logged to stderr; --verbose adds every decision.
const logger = new Logger({ serviceName: 'reconcile', logLevel: values.verbose ? 'INFO' : 'ERROR' });

if (values['cash-out'] !== undefined) await reconcileOneNow(values['cash-out']);
if (values.note !== undefined || values.stack !== undefined) refuse('--note and --stack go with --cash-out.');

const env = { ...process.env };
env.LEDGER_TABLE = values.table ?? env.LEDGER_TABLE ?? 'local-ledger';
env.DYNAMODB_ENDPOINT = values.endpoint ?? (values.table ? undefined : localDynamoEndpoint(env));
// Locally the run's decisions go into the history table too, as the deployed job's do.
if (!values.table) env.HISTORY_TABLE ??= 'local-history';
// A cash-out settled as not paid gives back its limits, as the deployed job's do (with --table, USAGE_TABLE names them).
if (!values.table) env.USAGE_TABLE ??= 'local-usage';
const stripe = stripeForReconcile(env, !values.table);
if (!stripe.stripeEnv) refuse(`Which Stripe? Set STRIPE_SECRET_KEY to the platform's key (or STRIPE_API_BASE).`);

try {
  const deps = reconcileDepsFromEnv(stripe.stripeEnv!, { logger, region: values.region });
  const summary = await reconcile({ ...deps, dryRun: values['dry-run'] ?? false });
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else print(summary);
  process.exit(summary.counts.error > 0 ? 1 : 0);
} catch (error) {
  console.error(`Reconciliation failed: ${failureMessage(error, { dynamoEndpoint: env.DYNAMODB_ENDPOINT })}`);
  process.exit(1);
}

/** `--cash-out`: the decision first, then (unless a dry run) the act, recorded with who and the note. */
async function reconcileOneNow(cashOutId: string): Promise<never> {
  if (values.table || values.endpoint)
    refuse("--cash-out works on the local tables, or a stack's with --stack NAME (it writes the history table too).");
  try {
    const note = checkNote(values.note, false);
    const { target, deps } = await connectOperator({ stack: values.stack, region: values.region, logger });
    if (!deps.reconcile) refuse(`Which Stripe? ${deps.reconcileUnavailable}`);
    const decision = await previewReconcile(cashOutId, deps.reconcile!);
    console.log(`Cash-out ${cashOutId} (${target.description}), status ${decision.from}.`);
    console.log(`Decision: ${describeResult(decision)}`);
    if (!hasAction(decision)) {
      console.log('Nothing to do now.');
      process.exit(decision.outcome === 'error' ? 1 : 0);
    }
    if (values['dry-run']) {
      console.log('Dry run: nothing was done.');
      process.exit(0);
    }
    const done = await reconcileNow(cashOutId, decisionKey(decision), deps.reconcile!, { who: target.who, note });
    if (!done.acted || !done.result) {
      console.log(`The decision changed before acting; nothing was done. Now: ${describeResult(done.decision)}`);
      process.exit(1);
    }
    console.log(`Done as ${target.who}: ${line(done.result)}`);
    process.exit(done.result.outcome === 'error' || done.result.outcome === 'conflict' ? 1 : 0);
  } catch (error) {
    if (error instanceof HttpError && error.statusCode === 400) refuse(error.message);
    console.error(`Reconciliation failed: ${(error as Error).message}`);
    process.exit(1);
  }
}

function print(summary: ReconcileSummary): void {
  const looked = summary.items.length;
  console.log(
    `Reconciliation of ${summary.table} at ${summary.startedAt}${summary.dryRun ? ' (dry run: nothing written, nothing changed at Stripe)' : ''}: ${looked} cash-out${looked === 1 ? '' : 's'} looked at.`,
  );
  for (const item of summary.items) console.log(`  ${line(item)}`);
  const counts = Object.entries(summary.counts)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${outcome.replace('_', ' ')} ${count}`);
  if (counts.length) console.log(counts.join(', '));
  if (summary.deferred) console.log(`${summary.deferred} left for the next run (out of time).`);
  if (summary.counts.needs_operator) console.log('Cash-outs needing an operator: npm run payouts -- list --attention');
}

function line(item: ItemResult): string {
  const move = item.to && item.to !== item.from ? `${item.from} → ${item.to}` : item.from;
  const what = item.outcome === 'needs_operator' ? `NEEDS OPERATOR: ${item.reason}` : `${item.outcome.replace('_', ' ')} (${item.reason})`;
  return [item.cashOutId, move, what, item.stripeObjectId ?? ''].join('\t').trimEnd();
}

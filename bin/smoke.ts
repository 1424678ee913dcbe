import { EXIT, checksSummary, commandLine, runCommand, valueOptions, flagOptions } from './cli.js';
import { checkLine, localSmokeTarget, runSmoke, stackSmokeTarget } from '../operator/smoke.js';

/**
 * `npm run smoke`: after a deploy, checks each secret and each webhook URL of a stack with the
 * operator's own AWS credentials, moving no money; with `--local` (or no --stack), the gateway
 * `npm start` runs. One line per check; exit 1 if any failed.
 */
const usage = [
  'Usage: npm run smoke -- --stack <name> [--region <region>]',
  '       npm run smoke -- --local        (the gateway npm start runs: PORT, STRIPE_STAND_IN_PORT…)',
  "  Checks each secret (set, of the stack's Stripe mode, a key Stripe accepts) and each webhook URL",
  '  (a signed request answered as it should, moving no money; a wrongly signed one refused: 401, or 400 on the Stripe route).',
].join('\n');
const { values } = commandLine(usage, { ...valueOptions('stack', 'region'), ...flagOptions('local') });
if (values.local && values.stack !== undefined) {
  console.error(`--local and --stack name two targets: give one.\n${usage}`);
  process.exit(EXIT.usage);
}
if (values.region !== undefined && values.stack === undefined) {
  console.error(`--region is for a stack: give --stack too.\n${usage}`);
  process.exit(EXIT.usage);
}

await runCommand(
  async () => {
    const target =
      values.stack === undefined
        ? localSmokeTarget()
        : await stackSmokeTarget(values.stack, values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION);
    console.log(`Smoke test of ${target.description} (Stripe mode ${target.stripeMode}):`);
    const checks = await runSmoke(target);
    for (const check of checks) console.log(checkLine(check));
    return checksSummary(checks);
  },
  { usage },
);

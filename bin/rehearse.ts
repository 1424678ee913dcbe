import { EXIT, checksSummary, commandLine, runCommand } from './cli.js';
import { rehearsalUnavailable, rehearse } from '../dev/rehearse/rehearse.js';
import { SourceAdmin } from '../operator/sources.js';

/**
 * `npm run rehearse`: synthesizes the stack, then runs each function's bundle from the cloud
 * assembly on this Node with the template's environment, against DynamoDB Local, a local
 * Secrets Manager (moto_server) and the Stripe stand-in. One line per check; exit 1 if any failed.
 */
const usage = [
  'Usage: npm run rehearse',
  '  Synthesizes the stack (cdk synth, test mode, into a temporary folder) and runs each bundle cdk deploy would upload,',
  '  invoked as API Gateway and the schedules invoke it. Needs moto_server (skipped with a notice without it).',
  '  DYNAMODB_ENDPOINT: a DynamoDB Local to use instead of starting one.',
].join('\n');
commandLine(usage, {});

await runCommand(
  async () => {
    const unavailable = rehearsalUnavailable();
    if (unavailable) {
      console.log(`Skipped: ${unavailable}`);
      return EXIT.ok;
    }
    console.log(`Rehearsal of the synthesized bundles on Node ${process.version}:`);
    const checks = await rehearse({
      addSource: (stores, sourceId, signingSecret) =>
        new SourceAdmin(stores.sources, stores.secrets, { now: () => Date.now() }).add(sourceId, { signingSecret }),
      dynamoEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
      onNote: (note) => console.log(`  ${note}`),
      onCheck: (check) => console.log(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`),
    });
    return checksSummary(checks);
  },
  { usage },
);

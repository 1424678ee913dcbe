import { bundleAssets } from '../operator/console/assets.js';
import { commandLine, refuse, valueOptions } from './cli.js';
import { startConsole } from '../operator/console/server.js';
import { connectOperator } from '../operator/target.js';
import { Logger } from '../functions/shared/telemetry.js';

/**
 * `npm run console`: the operator console on http://127.0.0.1:CONSOLE_PORT (4000), over the
 * local tables of a running `npm start`, or a deployed stack's (`--stack NAME --region R`,
 * with the operator's own AWS credentials).
 */
const usage =
  'Usage: npm run console -- [--stack NAME --region R] [--port N]\n' +
  '  Locally: the tables of a running `npm start` (DYNAMODB_ENDPOINT, default http://127.0.0.1:8000).\n' +
  "  --stack: a deployed stack's tables (from its outputs), with your AWS credentials; set STRIPE_SECRET_KEY to reconcile from the console.";

const { values } = commandLine(usage, valueOptions('stack', 'region', 'port'));
const port = Number(values.port ?? process.env.CONSOLE_PORT ?? 4000);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  refuse(usage, `--port (or CONSOLE_PORT) must be a port number, not "${values.port ?? process.env.CONSOLE_PORT}".`);

const logger = new Logger({ serviceName: 'operator-console', logLevel: 'WARN' });
try {
  const { target, deps } = await connectOperator({ stack: values.stack, region: values.region, logger });
  const running = await startConsole(
    {
      deps,
      assets: await bundleAssets(),
      where: target.description,
      dynamoEndpoint: target.endpoint,
      livemode: target.stripeMode === 'live',
    },
    { port },
  );
  console.log(`\nOperator console: ${running.url}`);
  console.log(`  acting as ${target.who} on ${target.description} (Stripe ${target.stripeMode} mode)`);
  if (deps.reconcileUnavailable) console.log(`  reconcile now: unavailable (${deps.reconcileUnavailable})`);
  console.log('  listening on 127.0.0.1 only; Ctrl-C stops it\n');
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  const message =
    (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? `Port ${port} is in use: set CONSOLE_PORT or --port.`
      : (error as Error).message;
  console.error(`The console did not start: ${message}`);
  process.exit(1);
}

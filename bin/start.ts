import { ROUTES, routePaths } from '../infra/routes.js';
import { commandLine, exitWith, guardCommand, flagOptions } from './cli.js';
import { UsageError } from '../dev/command-errors.js';
import { answerLine } from '../dev/answer-line.js';
import { humanizeJsonLogs } from '../dev/human-log.js';
import { LOCAL_PORTS } from '../dev/defaults.js';
import { startLocalEnvironment, type LocalEnvironment } from '../dev/environment.js';

/** `npm start`: the gateway on localhost, zero configuration. */
const usage = [
  'Usage: npm start [-- --keep]',
  "  --keep (or KEEP_DATA=1): keep DynamoDB Local's data on disk between runs, in LOCAL_DATA_DIR (default .local/dynamodb); without it, data is in memory and lost on stop.",
  '  Settings are environment variables (docs/configuration.md), e.g. PORT=3001 npm start:',
  `  PORT (${LOCAL_PORTS.PORT}), DYNAMODB_PORT (${LOCAL_PORTS.DYNAMODB_PORT}) or DYNAMODB_ENDPOINT, STRIPE_STAND_IN_PORT (${LOCAL_PORTS.STRIPE_STAND_IN_PORT}),`,
  '  STRIPE_SECRET_KEY or STRIPE_API_BASE, LOG_FORMAT=human|json (human: one line per request; json: the full JSON log).',
].join('\n');
guardCommand();

let local: LocalEnvironment | undefined;
const stop = async () => {
  await local?.stop();
  process.exit(0);
};
// Stopped before it is up: the exit hook of DynamoDB Local stops Java with this process.
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const { values } = commandLine(usage, flagOptions('keep'));

try {
  const logFormat = process.env.LOG_FORMAT || 'human';
  if (logFormat !== 'human' && logFormat !== 'json') throw new UsageError(`LOG_FORMAT must be human or json, not "${logFormat}".`);
  // Human: one line per answer here, and only the warnings and errors of the JSON log.
  if (logFormat === 'human') {
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    humanizeJsonLogs(process.stdout);
    humanizeJsonLogs(process.stderr);
  }
  process.env.DYNAMODB_PORT ??= String(LOCAL_PORTS.DYNAMODB_PORT);
  process.env.STRIPE_STAND_IN_PORT ??= String(LOCAL_PORTS.STRIPE_STAND_IN_PORT);
  local = await startLocalEnvironment({
    keepData: values.keep,
    onAnswer: logFormat === 'human' ? (answer) => console.log(answerLine(answer)) : undefined,
  });
} catch (error) {
  // One line, exit 2 for a setting and 1 for anything else; whatever had started is stopped.
  exitWith(error);
}

console.log(`\nPayments webhook gateway (local), Node ${process.version}`);
for (const note of local.notes) console.log(`  - ${note}`);
for (const warning of local.warnings) console.error(`\nWarning: ${warning}`);
console.log('\nRoutes:');
for (const route of ROUTES) for (const routePath of routePaths(route)) console.log(`  ${route.method} ${local.gateway.url}${routePath}`);
console.log('\nTry: npm run send -- village-cash-out');
// The console reads the same tables; it needs to know where only when they are not the defaults.
const consoleEnv = [
  local.dynamoEndpoint !== `http://127.0.0.1:${LOCAL_PORTS.DYNAMODB_PORT}` ? `DYNAMODB_ENDPOINT=${local.dynamoEndpoint}` : '',
  process.env.STRIPE_STAND_IN_PORT !== String(LOCAL_PORTS.STRIPE_STAND_IN_PORT) && local.stripe.mode === 'stand-in'
    ? `STRIPE_API_BASE=${local.stripe.apiBase}`
    : '',
].filter(Boolean);
console.log(
  `Then look: ${[...consoleEnv, 'npm run console'].join(' ')}   (the operator console on http://127.0.0.1:${process.env.CONSOLE_PORT ?? 4000})\n`,
);

import { ROUTES } from '../lib/routes.js';
import { LOCAL_STRIPE_STAND_IN_PORT, startLocalEnvironment } from '../lib/local/environment.js';

/** `npm start`: the gateway on localhost, zero configuration. */
process.env.DYNAMODB_PORT ??= '8000';
process.env.STRIPE_STAND_IN_PORT ??= String(LOCAL_STRIPE_STAND_IN_PORT);
const local = await startLocalEnvironment();
console.log('\nPayments webhook gateway (local)');
for (const note of local.notes) console.log(`  - ${note}`);
console.log('\nRoutes:');
for (const route of ROUTES) console.log(`  ${route.method} ${local.gateway.url}${route.path}`);
console.log('\nTry: npm run send -- village-cash-out');
// The console reads the same tables; it needs to know where only when they are not the defaults.
const consoleEnv = [
  local.dynamoEndpoint !== 'http://127.0.0.1:8000' ? `DYNAMODB_ENDPOINT=${local.dynamoEndpoint}` : '',
  process.env.STRIPE_STAND_IN_PORT !== String(LOCAL_STRIPE_STAND_IN_PORT) && local.stripe.mode === 'stand-in' ? `STRIPE_API_BASE=${local.stripe.apiBase}` : '',
].filter(Boolean);
console.log(`Then look: ${[...consoleEnv, 'npm run console'].join(' ')}   (the operator console on http://127.0.0.1:${process.env.CONSOLE_PORT ?? 4000})\n`);

const stop = async () => {
  await local.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

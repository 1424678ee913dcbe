import { ROUTES, routePaths } from '../lib/routes.js';
import { LOCAL_STRIPE_STAND_IN_PORT, startLocalEnvironment } from '../lib/local/environment.js';

/** `npm start`: the gateway on localhost, zero configuration. */
process.env.DYNAMODB_PORT ??= '8000';
process.env.STRIPE_STAND_IN_PORT ??= String(LOCAL_STRIPE_STAND_IN_PORT);
const local = await startLocalEnvironment();
console.log('\nPayments webhook gateway (local)');
for (const note of local.notes) console.log(`  - ${note}`);
console.log('\nRoutes:');
for (const route of ROUTES) for (const routePath of routePaths(route)) console.log(`  ${route.method} ${local.gateway.url}${routePath}`);
console.log('\nTry: npm run send -- village-cash-out\n');

const stop = async () => {
  await local.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

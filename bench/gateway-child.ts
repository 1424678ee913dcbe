import { startLocalEnvironment } from '../dev/environment.js';

/**
 * The local gateway exactly as `npm start` serves it (the same index.ts handler modules), in a
 * process of its own so the load generator does not share its event loop. Its environment
 * (DynamoDB endpoint, tables, Stripe stand-in, secrets) comes from the benchmark.
 */
const local = await startLocalEnvironment({ env: process.env, port: 0, seedSampleRecipient: false });
process.stdout.write(`${JSON.stringify({ url: local.gateway.url })}\n`);
const stop = async () => {
  await local.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The benchmark holds stdin open: when it goes, for whatever reason, so does the gateway.
process.stdin.on('close', () => void stop());
process.stdin.resume();

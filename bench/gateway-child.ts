import { startLocalEnvironment } from '../dev/environment.js';
import { startLocalGateway } from '../dev/gateway.js';

/**
 * The local gateway exactly as `npm start` serves it (the same index.ts handler modules), in a
 * process of its own so the load generator does not share its event loop. Its environment
 * (DynamoDB endpoint, tables, Stripe stand-in, secrets) comes from the benchmark. When the
 * peer's tables are given (PAYMENTS_TABLE), the peer's index.ts is served too, by the same
 * local gateway code on a port of its own, so both are driven alike.
 */
const local = await startLocalEnvironment({ env: process.env, port: 0, seedSampleRecipient: false });
const peer = process.env.PAYMENTS_TABLE
  ? await startLocalGateway(
      [
        {
          method: 'POST',
          path: '/webhooks/stripe',
          functionName: 'peer',
          timeoutSeconds: 10,
          handler: (await import('./peer/index.js')).handler,
        },
      ],
      { port: 0 },
    )
  : undefined;
process.stdout.write(`${JSON.stringify({ url: local.gateway.url, ...(peer ? { peerUrl: peer.url } : {}) })}\n`);
const stop = async () => {
  await peer?.close();
  await local.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The benchmark holds stdin open: when it goes, for whatever reason, so does the gateway.
process.stdin.on('close', () => void stop());
process.stdin.resume();

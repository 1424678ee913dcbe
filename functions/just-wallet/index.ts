import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeJustWalletHandler } from './handler.js';
import { justWalletDepsFromEnv } from './wiring.js';

const logger = makeLogger('just-wallet');
const metrics = makeMetrics('just-wallet');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. The handler is middy's (handler.ts). */
export const handler = makeJustWalletHandler(justWalletDepsFromEnv(process.env, { logger, metrics }), { metrics });

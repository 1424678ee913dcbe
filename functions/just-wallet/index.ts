import { lambdaHandler } from '../shared/lambda.js';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeJustWalletHandler } from './handler.js';
import { justWalletDepsFromEnv } from './wiring.js';

const logger = makeLogger('just-wallet');
const metrics = makeMetrics('just-wallet');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = lambdaHandler(makeJustWalletHandler(justWalletDepsFromEnv(process.env, { logger, metrics })), { logger, metrics });

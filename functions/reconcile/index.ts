import { lambdaHandler } from '../shared/lambda.js';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeReconcileHandler } from './handler.js';
import { reconcileDepsFromEnv } from './wiring.js';

const logger = makeLogger('reconcile');
const metrics = makeMetrics('reconcile');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = lambdaHandler(makeReconcileHandler(reconcileDepsFromEnv(process.env, { logger, metrics })), { logger, metrics });

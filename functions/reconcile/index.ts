import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeReconcileHandler } from './handler.js';
import { reconcileDepsFromEnv } from './wiring.js';

const logger = makeLogger('reconcile');
const metrics = makeMetrics('reconcile');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. The handler is middy's (handler.ts). */
export const handler = makeReconcileHandler(reconcileDepsFromEnv(process.env, { logger, metrics }), { metrics: [metrics] });

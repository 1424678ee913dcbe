import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeReportsHandler } from './handler.js';
import { reportsJobDepsFromEnv } from './wiring.js';

const logger = makeLogger('reports');
const metrics = makeMetrics('reports');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. The handler is middy's (handler.ts). */
export const handler = makeReportsHandler({ ...reportsJobDepsFromEnv(process.env, { logger, metrics }), logger }, { metrics: [metrics] });

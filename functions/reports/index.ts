import { lambdaHandler } from '../shared/lambda.js';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeReportsHandler } from './handler.js';
import { reportsJobDepsFromEnv } from './wiring.js';

const logger = makeLogger('reports');
const metrics = makeMetrics('reports');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = lambdaHandler(makeReportsHandler({ ...reportsJobDepsFromEnv(process.env, { logger, metrics }), logger }), { logger, metrics: [metrics] });

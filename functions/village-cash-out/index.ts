import { lambdaHandler } from '../shared/lambda.js';
import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeVillageCashOutHandler } from './handler.js';
import { villageDepsFromEnv } from './wiring.js';

const logger = makeLogger('village-cash-out');
const metrics = makeMetrics('village-cash-out');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. */
export const handler = lambdaHandler(makeVillageCashOutHandler(villageDepsFromEnv(process.env, { logger, metrics })), { logger, metrics });

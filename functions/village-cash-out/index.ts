import { makeLogger, makeMetrics } from '../shared/telemetry.js';
import { makeVillageCashOutHandler } from './handler.js';
import { villageDepsFromEnv } from './wiring.js';

const logger = makeLogger('village-cash-out');
const metrics = makeMetrics('village-cash-out');

/** Configuration is read once, at cold start: a missing setting fails here, naming it. The handler is middy's (handler.ts). */
export const handler = makeVillageCashOutHandler(villageDepsFromEnv(process.env, { logger, metrics }), { metrics });

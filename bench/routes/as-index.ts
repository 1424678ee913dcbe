import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../../functions/shared/clock.js';
import type { Env } from '../../functions/shared/config.js';
import { makeMetrics, type Metrics } from '../../functions/shared/telemetry.js';
import type { BenchContext } from '../context.js';

/**
 * A route's dependencies as its index.ts wires them (its own `…DepsFromEnv`, from the bench's
 * route environment), on a counted client and with a silent logger; its handler is then made
 * from them with `metrics`, as index.ts makes it.
 */
export function wireAsIndex<Deps>(
  context: BenchContext,
  routeId: string,
  depsFromEnv: (env: Env, telemetry: { logger: Logger; metrics: Metrics }, clock: Clock, db: DynamoDBDocumentClient) => Deps,
) {
  const { db, counter } = context.countedClient();
  const logger = new Logger({ serviceName: routeId, logLevel: 'SILENT' });
  const metrics = makeMetrics(routeId);
  return { db, counter, metrics, deps: depsFromEnv(context.routeEnv, { logger, metrics }, systemClock, db) };
}

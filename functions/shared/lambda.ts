import type { Context } from 'aws-lambda';
import type { Logger, Metrics } from './telemetry.js';

/**
 * A route's handler as Lambda runs it: the Lambda context on every log line (Powertools'
 * `addContext`), the invocation's temporary log keys dropped and its metrics published after
 * each invocation, answered or thrown. Every index.ts (and the benchmark) uses this.
 *
 * Powertools' own calls, without middy around them: what its `injectLambdaContext` and
 * `logMetrics` middlewares do with the options used here, and no middleware engine on every
 * event (docs/decisions.md).
 */
export function lambdaHandler<TEvent, TResult>(core: (event: TEvent, context: Context) => Promise<TResult>, telemetry: { logger: Logger; metrics: Metrics | Metrics[] }) {
  const metrics = Array.isArray(telemetry.metrics) ? telemetry.metrics : [telemetry.metrics];
  return async (event: TEvent, context: Context): Promise<TResult> => {
    // As injectLambdaContext does, but the event is never logged (POWERTOOLS_LOGGER_LOG_EVENT):
    // it carries signature headers, and no signature goes into a log line.
    telemetry.logger.refreshSampleRateCalculation();
    telemetry.logger.addContext(context);
    try {
      return await core(event, context);
    } finally {
      telemetry.logger.resetKeys();
      for (const each of metrics) each.publishStoredMetrics();
    }
  };
}

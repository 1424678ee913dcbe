import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger, Metrics } from './telemetry.js';

/** What a job reads of the Lambda context: the time left (absent when a test or a command runs it directly). */
export type JobContext = Partial<Pick<Context, 'getRemainingTimeInMillis'>>;

/**
 * A scheduled job (catch-up, reconcile, reports) as Lambda runs it, the way `webhookHandler`
 * runs a webhook route: Powertools' middlewares (the Lambda context on every log line, the
 * invocation's keys reset, every metrics instance published after each run, returned or
 * thrown; the event itself never logged). There is no error answer: a refused request or a
 * failed run is thrown, so the schedule's retry and the Errors alarm see it. middy's
 * early-timeout race is off: a job keeps its own deadline (`jobDeadline`).
 */
export function jobHandler<E, R>(run: (event: E, context: Context) => Promise<R>, logger: Logger, metrics: Metrics[] = []) {
  return middy<E, R, Error, Context>(run, { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics));
}

/**
 * When a run stops taking new work: the invocation's remaining time less `marginMs`, kept to
 * finish the piece in hand and report. None when run without a Lambda context.
 */
export function jobDeadline(context: JobContext | undefined, now: number, marginMs: number): number | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  return remaining === undefined ? undefined : now + remaining - marginMs;
}

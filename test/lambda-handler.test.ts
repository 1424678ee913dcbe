import { describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { lambdaHandler } from '../functions/shared/lambda.js';
import { makeMetrics, MetricUnit } from '../functions/shared/telemetry.js';
import { capturingLogger } from './support/telemetry.js';

const context = (awsRequestId: string): Context =>
  ({ awsRequestId, functionName: 'gateway-fn', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:gateway-fn', memoryLimitInMB: '1024' }) as Context;

describe('lambdaHandler: a route as Lambda runs it', () => {
  it('puts the Lambda context on every log line of the invocation, and drops its temporary keys after it', async () => {
    const { logger, lines } = capturingLogger();
    const metrics = makeMetrics('test');
    const handler = lambdaHandler(async (event: { n: number }) => {
      logger.appendKeys({ correlationId: `c${event.n}` });
      logger.info('inside');
      return event.n;
    }, { logger, metrics });

    expect(await handler({ n: 1 }, context('req-1'))).toBe(1);
    logger.info('between');
    expect(await handler({ n: 2 }, context('req-2'))).toBe(2);

    const inside = lines.filter((line) => line.message === 'inside');
    expect(inside.map((line) => [line.function_request_id, line.function_name, line.correlationId])).toEqual([
      ['req-1', 'gateway-fn', 'c1'],
      ['req-2', 'gateway-fn', 'c2'],
    ]);
    // A key one invocation appended does not ride along on what is logged after it.
    expect(lines.find((line) => line.message === 'between')).not.toHaveProperty('correlationId');
  });

  it('publishes every metrics instance after each invocation, also when the handler throws', async () => {
    const { logger } = capturingLogger();
    const [first, second] = [makeMetrics('one'), makeMetrics('two')];
    const published = [jest.spyOn(first, 'publishStoredMetrics'), jest.spyOn(second, 'publishStoredMetrics')];
    const handler = lambdaHandler(async (event: { fail: boolean }) => {
      first.addMetric('Seen', MetricUnit.Count, 1);
      if (event.fail) throw new Error('boom');
      return 'ok';
    }, { logger, metrics: [first, second] });

    await handler({ fail: false }, context('req-1'));
    await expect(handler({ fail: true }, context('req-2'))).rejects.toThrow('boom');
    expect(published.map((spy) => spy.mock.calls.length)).toEqual([2, 2]);
  });

  it('never logs the event, even when POWERTOOLS_LOGGER_LOG_EVENT asks: it carries signature headers', async () => {
    const before = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    try {
      const { logger, lines } = capturingLogger();
      const handler = lambdaHandler(async () => 'ok', { logger, metrics: makeMetrics('test') });
      await handler({ headers: { 'stripe-signature': 't=1,v1=abc' } }, context('req-1'));
      expect(JSON.stringify(lines)).not.toContain('v1=abc');
    } finally {
      if (before === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
      else process.env.POWERTOOLS_LOGGER_LOG_EVENT = before;
    }
  });
});

import { describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { makeCatchUpHandler, type CatchUpHandlerDeps } from '../functions/catch-up/handler.js';
import { makeJustWalletHandler, type JustWalletHandlerDeps } from '../functions/just-wallet/handler.js';
import { staticSecret, type SecretSource } from '../functions/shared/secrets.js';
import { makeMetrics, MetricUnit, type Logger } from '../functions/shared/telemetry.js';
import { apiGatewayEvent } from './support/events.js';
import { capturingLogger } from './support/telemetry.js';

const context = (awsRequestId: string): Context =>
  ({
    awsRequestId,
    functionName: 'gateway-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:gateway-fn',
    memoryLimitInMB: '1024',
  }) as Context;

/**
 * The Just Wallet route as its index.ts builds it (middy, Powertools' middlewares, the error
 * middleware), with only what is read before the signature check: a refused or failed request
 * never reaches the tables.
 */
function justWalletRoute(
  logger: Logger,
  options: { secret?: SecretSource; outcomes?: string[]; metrics?: ReturnType<typeof makeMetrics> } = {},
) {
  const deps = {
    logger,
    webhookSecret: options.secret ?? staticSecret('right-secret', 'JUST_WALLET_WEBHOOK_SECRET'),
    signatureMode: 'secret',
    maxBodyBytes: 4096,
    onOutcome: (outcome: string) => options.outcomes?.push(outcome),
  } as Partial<JustWalletHandlerDeps> as JustWalletHandlerDeps;
  return makeJustWalletHandler(deps, { metrics: options.metrics });
}

const wronglySigned = (requestId: string) => ({
  ...apiGatewayEvent('/webhooks/just-wallet', '{"id":"x"}', { 'content-type': 'application/json', signature: 'wrong-secret' }),
  requestContext: { requestId } as never,
});

describe("a route as Lambda runs it: middy with Powertools' middlewares and one error middleware", () => {
  it('puts the Lambda context on every log line of the invocation, and drops its temporary keys after it', async () => {
    const { logger, lines } = capturingLogger();
    const handler = justWalletRoute(logger);

    expect((await handler(wronglySigned('c1'), context('req-1'))).statusCode).toBe(401);
    logger.info('between');
    expect((await handler(wronglySigned('c2'), context('req-2'))).statusCode).toBe(401);

    const refused = lines.filter((line) => line.message === 'Just Wallet event refused');
    expect(refused.map((line) => [line.function_request_id, line.function_name, line.correlationId])).toEqual([
      ['req-1', 'gateway-fn', 'c1'],
      ['req-2', 'gateway-fn', 'c2'],
    ]);
    // A key one invocation appended does not ride along on what is logged after it.
    expect(lines.find((line) => line.message === 'between')).not.toHaveProperty('correlationId');
  });

  it('answers a typed error with its status and reason, logs a refusal once as a warning and counts its status once', async () => {
    const { logger, lines } = capturingLogger();
    const outcomes: string[] = [];
    const response = await justWalletRoute(logger, { outcomes })(wronglySigned('c1'), context('req-1'));
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: expect.any(String) });
    expect(lines.filter((line) => line.level === 'WARN').map((line) => [line.message, line.statusCode])).toEqual([
      ['Just Wallet event refused', 401],
    ]);
    expect(lines.filter((line) => line.level === 'ERROR')).toEqual([]);
    expect(outcomes).toEqual(['http_401']);
  });

  it('answers anything unexpected with a plain 500 that names nothing, and logs it once as an error with its cause', async () => {
    const { logger, lines } = capturingLogger();
    const outcomes: string[] = [];
    const unreachable: SecretSource = { get: () => Promise.reject(new Error('secrets endpoint unreachable')) };
    const response = await justWalletRoute(logger, { outcomes, secret: unreachable })(wronglySigned('c1'), context('req-1'));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('unreachable');
    const errors = lines.filter((line) => line.level === 'ERROR');
    expect(errors.map((line) => [line.message, line.correlationId])).toEqual([['Just Wallet event failed', 'c1']]);
    expect(JSON.stringify(errors[0])).toContain('secrets endpoint unreachable');
    expect(outcomes).toEqual(['http_500']);
  });

  it('publishes every metrics instance after each invocation, answered or thrown', async () => {
    const { logger } = capturingLogger();
    // An answered invocation (a refusal) on a route...
    const routeMetrics = makeMetrics('one');
    const routePublished = jest.spyOn(routeMetrics, 'publishStoredMetrics');
    await justWalletRoute(logger, { metrics: routeMetrics })(wronglySigned('c1'), context('req-1'));
    expect(routePublished).toHaveBeenCalledTimes(1);
    // ...and a thrown one on a job with two metrics instances (a refused catch-up request).
    const [first, second] = [makeMetrics('one'), makeMetrics('two')];
    const published = [jest.spyOn(first, 'publishStoredMetrics'), jest.spyOn(second, 'publishStoredMetrics')];
    const job = makeCatchUpHandler(
      { logger, clock: { now: () => Date.now() }, windowHours: 72 } as Partial<CatchUpHandlerDeps> as CatchUpHandlerDeps,
      { metrics: [first, second] },
    );
    first.addMetric('Seen', MetricUnit.Count, 1);
    await expect(job({ since: 'yesterday' }, context('req-2'))).rejects.toThrow(/since/);
    await expect(job({ since: 'last week' }, context('req-3'))).rejects.toThrow(/since/);
    expect(published.map((spy) => spy.mock.calls.length)).toEqual([2, 2]);
  });

  it('never logs the event, even when POWERTOOLS_LOGGER_LOG_EVENT asks: it carries signature headers', async () => {
    const before = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    try {
      const { logger, lines } = capturingLogger();
      await justWalletRoute(logger)({ ...wronglySigned('c1'), headers: { signature: 'v1=abc' } }, context('req-1'));
      expect(JSON.stringify(lines)).not.toContain('v1=abc');
    } finally {
      if (before === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
      else process.env.POWERTOOLS_LOGGER_LOG_EVENT = before;
    }
  });
});

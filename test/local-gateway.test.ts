import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { startLocalGateway, type RunningGateway } from '../dev/gateway.js';

/** The local gateway answers as API Gateway and Lambda would, for what the handlers do not decide themselves. */
let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

describe('the local gateway', () => {
  test("answers 500 once a handler outlives its function's timeout, as Lambda ends the invocation there", async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    let finish: (() => void) | undefined;
    const slow = new Promise<void>((resolve) => {
      finish = resolve;
    });
    gateway = await startLocalGateway(
      [
        {
          method: 'POST',
          path: '/slow',
          functionName: 'slow',
          timeoutSeconds: 0.3,
          handler: async () => {
            await slow;
            return { statusCode: 200, body: 'late' };
          },
        },
      ],
      { port: 0 },
    );
    const started = Date.now();
    const response = await fetch(`${gateway.url}/slow`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(errors).toHaveBeenCalled();
    finish?.();
    errors.mockRestore();
  });

  test('keeps serving when a handler that outlived its timeout fails afterwards', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    let fail: ((error: Error) => void) | undefined;
    const late = new Promise<never>((_, reject) => {
      fail = reject;
    });
    gateway = await startLocalGateway(
      [
        { method: 'POST', path: '/late', functionName: 'late', timeoutSeconds: 0.2, handler: async () => late },
        {
          method: 'POST',
          path: '/quick',
          functionName: 'quick',
          timeoutSeconds: 5,
          handler: async () => ({ statusCode: 200, body: '{}' }),
        },
      ],
      { port: 0 },
    );

    expect((await fetch(`${gateway.url}/late`, { method: 'POST', body: '{}' })).status).toBe(500);
    fail?.(new Error('failed after its timeout'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${gateway.url}/quick`, { method: 'POST', body: '{}' })).status).toBe(200);
    errors.mockRestore();
  });

  test('answers what a handler answers within its timeout', async () => {
    gateway = await startLocalGateway(
      [
        {
          method: 'POST',
          path: '/quick',
          functionName: 'quick',
          timeoutSeconds: 5,
          handler: async () => ({ statusCode: 201, body: '{"ok":true}' }),
        },
      ],
      { port: 0 },
    );

    const response = await fetch(`${gateway.url}/quick`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ ok: true });
  });
});

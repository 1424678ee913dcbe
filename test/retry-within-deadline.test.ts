import { describe, expect, it } from '@jest/globals';
import { retryWithin } from '../functions/shared/deadline.js';

/** A clock that moves only when told. */
const clockAt = (start: number) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

describe('one logical call retried within a deadline', () => {
  it('gives each try the time left, and answers with the first try that returns', async () => {
    const clock = clockAt(1_000);
    const bounds: number[] = [];
    const failures: number[] = [];
    const value = await retryWithin(
      1_500,
      async (timeoutMs) => {
        bounds.push(timeoutMs);
        clock.advance(100);
        if (bounds.length < 3) throw new Error('connection reset');
        return 'written';
      },
      { clock, attempts: 3, waitMs: () => 0, onFailure: (_error, attempt) => failures.push(attempt) },
    );
    expect(value).toBe('written');
    expect(bounds).toEqual([500, 400, 300]);
    expect(failures).toEqual([1, 2]);
  });

  it('is not known to have happened (undefined) when every try failed or the deadline came first', async () => {
    const clock = clockAt(1_000);
    let tries = 0;
    const failing = () => {
      tries += 1;
      return Promise.reject(new Error('throttled'));
    };
    expect(await retryWithin(2_000, failing, { clock, attempts: 2, waitMs: () => 0 })).toBeUndefined();
    expect(tries).toBe(2);
    expect(await retryWithin(1_000, failing, { clock, attempts: 3 })).toBeUndefined();
    expect(tries).toBe(2);
  });

  it('throws at once a failure that is not worth another try', async () => {
    const clock = clockAt(0);
    let tries = 0;
    const call = () => {
      tries += 1;
      return Promise.reject(new TypeError('a bug, not a network'));
    };
    await expect(retryWithin(1_000, call, { clock, attempts: 3, retryable: (error) => !(error instanceof TypeError) })).rejects.toThrow(
      TypeError,
    );
    expect(tries).toBe(1);
  });
});

import { sleep, type Clock } from './clock.js';

/** A call that did not finish within its bound. It may still have taken effect: callers treat it as ambiguous. */
export class TimeBoundExceeded extends Error {
  override name = 'TimeBoundExceeded';
}

/**
 * Runs `work` with at most `ms` milliseconds to finish: the signal it is given is aborted then,
 * and the returned promise rejects with TimeBoundExceeded whether or not `work` honours the signal.
 */
export async function within<T>(ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const error = new TimeBoundExceeded(`${what} did not finish within ${Math.max(0, Math.round(ms))} ms`);
        controller.abort(error);
        reject(error);
      },
      Math.max(0, ms),
    );
  });
  try {
    const running = work(controller.signal);
    running.catch(() => undefined); // its late failure, if any, is not ours to report
    return await Promise.race([running, bound]);
  } finally {
    clearTimeout(timer);
  }
}

export interface RetryOptions {
  clock: Clock;
  /** How many tries at most. */
  attempts: number;
  /** Called with each failed try (to log it), before the wait. */
  onFailure?: (error: unknown, attempt: number) => void;
  /** Whether a failure is worth another try; one that is not is thrown at once. Every failure by default. */
  retryable?: (error: unknown) => boolean;
  /** The wait after a failed try (capped at the time left): by default 50 ms, doubling, at most 800 ms. */
  waitMs?: (attempt: number) => number;
}

/**
 * One logical call, tried again on failure while time remains before `deadlineAt`: each try is
 * given the time left as its bound, and a failed try is followed by a short wait, never past
 * the deadline. The SDK's own retries run inside each try; this covers what they cannot (a try
 * abandoned at its bound, a connection lost after the request went). The value of the first
 * try that returns; `undefined` when none returned in time, so the call may or may not have
 * taken effect.
 */
export async function retryWithin<T>(
  deadlineAt: number,
  call: (timeoutMs: number) => Promise<T>,
  options: RetryOptions,
): Promise<T | undefined> {
  const { clock, waitMs = (attempt: number) => Math.min(50 * 2 ** (attempt - 1), 800) } = options;
  for (let attempt = 1; attempt <= options.attempts; attempt += 1) {
    const timeoutMs = deadlineAt - clock.now();
    if (timeoutMs <= 0) return undefined;
    try {
      return await call(timeoutMs);
    } catch (error) {
      if (options.retryable && !options.retryable(error)) throw error;
      options.onFailure?.(error, attempt);
      const wait = Math.min(waitMs(attempt), Math.max(0, deadlineAt - clock.now()));
      if (wait > 0) await sleep(wait);
    }
  }
  return undefined;
}

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

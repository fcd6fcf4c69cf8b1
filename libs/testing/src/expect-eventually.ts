/** Options of {@link expectEventually}. */
export interface ExpectEventuallyOptions {
  /** Give up after this long, ms. Default 15000. */
  timeoutMs?: number;
  /** Pause between attempts, ms. Default 100. */
  intervalMs?: number;
  /** Prefixed to the last error's message on timeout. */
  message?: string;
  /** Stop retrying once aborted (e.g. the process being waited for exited) and throw the last error. */
  signal?: AbortSignal;
}

/**
 * Calls `fn` until it returns (or resolves) without throwing, then returns its value. Put `expect(...)` calls
 * inside `fn` to wait for a condition on a real server instead of sleeping.
 * @throws the last error thrown by `fn` when `timeoutMs` passes or `signal` is aborted (its message prefixed
 * with `message` and the number of attempts), so the failure shows what was still wrong.
 */
export async function expectEventually<T>(fn: () => Promise<T> | T, opts: ExpectEventuallyOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      return await fn();
    } catch (error: unknown) {
      const aborted = opts.signal?.aborted ?? false;
      if (aborted || Date.now() + intervalMs > deadline) {
        const why = aborted
          ? `aborted after ${attempts} attempts`
          : `not true after ${timeoutMs} ms (${attempts} attempts)`;
        const prefix = `${opts.message ? `${opts.message}: ` : ''}${why}`;
        if (error instanceof Error) {
          error.message = `${prefix}: ${error.message}`;
          throw error;
        }
        throw new Error(`${prefix}: ${String(error)}`);
      }
      await new Promise((resolveDelay) => setTimeout(resolveDelay, intervalMs));
    }
  }
}

/** Options of {@link expectEventually}. */
export interface ExpectEventuallyOptions {
  /** Give up after this long, ms. Default 15000. */
  timeoutMs?: number;
  /** Pause between attempts, ms. Default 100. */
  intervalMs?: number;
  /** Prefixed to the last error's message on timeout. */
  message?: string;
}

/**
 * Calls `fn` until it returns (or resolves) without throwing, then returns its value. Put `expect(...)` calls
 * inside `fn` to wait for a condition on a real server instead of sleeping.
 * @throws the last error thrown by `fn` when `timeoutMs` passes (its message prefixed with `message` and the
 * number of attempts), so the failure shows what was still wrong.
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
      if (Date.now() + intervalMs > deadline) {
        const prefix = `${opts.message ? `${opts.message}: ` : ''}not true after ${timeoutMs} ms (${attempts} attempts)`;
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

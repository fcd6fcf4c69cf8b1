// See global-setup.ts: this file may import nothing relative, so it reuses the setup's cleanup via globalThis.

/**
 * Jest global teardown, a safety net: test workers stop their clusters when they exit; data directories of a
 * worker that died are shut down and removed here (the cleanup global-setup registered).
 */
export default async function globalTeardown(): Promise<void> {
  const cleanup = (globalThis as unknown as Record<symbol, (() => string[]) | undefined>)[
    Symbol.for('prm.testing.global-cleanup')
  ];
  cleanup?.();
}

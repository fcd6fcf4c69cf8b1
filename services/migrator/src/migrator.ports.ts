/** Injection token of {@link MigratorSettings}. */
export const MIGRATOR_SETTINGS = Symbol('MIGRATOR_SETTINGS');

/** Runtime settings of the migrator; durations in ms. */
export interface MigratorSettings {
  /**
   * BullMQ lock of a running migration job. A migrator that dies holding it (SIGKILL, lost host) has its run
   * picked up again by any migrator once the lock expires (stalled-job check every half of it). Default 30000.
   */
  jobLockMs: number;
  /** Client-side deadline for TCP + TLS + login to a target. Default 10000. */
  connectTimeoutMs: number;
  /** How long the stream check after each target waits for an apply worker between restarts. Default 3000. */
  streamCheckWaitMs: number;
  /**
   * At shutdown, how long the target being migrated may still finish before its session is closed (the target
   * rolls back; the step stays `running` and the run resumes elsewhere). Default 6000 (60% of the default
   * `PRM_SHUTDOWN_TIMEOUT_MS`).
   */
  shutdownGraceMs: number;
}

export const DEFAULT_MIGRATOR_SETTINGS: MigratorSettings = {
  jobLockMs: 30_000,
  connectTimeoutMs: 10_000,
  streamCheckWaitMs: 3000,
  shutdownGraceMs: 6000,
};

import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** migrator service settings (see README "Configuration"). */
export class MigratorEnv {
  /** HTTP port for `/health/*` when the service runs alone. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PRM_PORT = 8084;

  /**
   * Lock of a running migration job, ms: after a migrator dies, another (or the restarted one) resumes the run
   * once this expires.
   */
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(600_000)
  PRM_MIGRATION_JOB_LOCK_MS = 30_000;
}

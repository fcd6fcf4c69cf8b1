import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** Monitor settings (see README "Configuration"). */
export class MonitorEnv {
  /** Poll interval, ms (one catalog statement per endpoint per interval). */
  @Type(() => Number)
  @IsInt()
  @Min(500)
  @Max(3_600_000)
  PRM_POLL_INTERVAL_MS = 15_000;

  /** Endpoints polled at once by one monitor process. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  PRM_POLL_CONCURRENCY = 32;

  /** HTTP port for `/health/*` when the monitor runs alone. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PRM_PORT = 8082;
}

import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';

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

  /** A copying table with no progress for this long is shown stalled, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  PRM_BACKFILL_STALL_MS = 120_000;

  /** Days of lag/backfill samples (and publisher WAL samples) kept. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  PRM_METRICS_RETENTION_DAYS = 7;

  /** Minimum interval of the publisher table-size query per endpoint (also run when a copy starts), ms. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  PRM_TABLE_SIZE_REFRESH_MS = 60_000;

  /** HTTP port for `/health/*` when the monitor runs alone. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PRM_PORT = 8082;

  /**
   * `true`: publish `prm/MonitorPollQueueDepth` (waiting + delayed `monitor-poll` jobs, dimension `RedisPrefix`)
   * to CloudWatch every minute, for the ECS autoscaling of the monitor (deploy/cdk).
   */
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  PRM_CLOUDWATCH_METRICS = 'false';
}

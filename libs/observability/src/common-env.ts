import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** Environment every prm service reads (validated at start; see README "Configuration"). */
export class CommonEnv {
  /** prm's metadata store; the database is created when missing. */
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  PRM_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/prm';

  /** Redis for BullMQ queues and the event bus. */
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Namespace of prm's Redis keys and channels. */
  @Matches(/^[A-Za-z0-9_.:-]{1,80}$/, { message: 'must be 1-80 letters, digits, or . : - _' })
  PRM_REDIS_PREFIX = 'prm';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Default AWS region for SDK clients when a reference does not carry one. */
  @IsOptional()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as us-east-1' })
  AWS_REGION?: string;

  /** Endpoint override for AWS SDK clients (tests and VPC endpoints), e.g. http://127.0.0.1:4566. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  PRM_AWS_ENDPOINT?: string;

  /**
   * Bound of a graceful shutdown after SIGTERM/SIGINT, ms: workers stop taking jobs and finish (or return) the
   * active ones, connections close; past it the process logs `shutdown timed out` and exits 1.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  PRM_SHUTDOWN_TIMEOUT_MS = 10_000;
}

import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** provisioner service settings (see README "Configuration"). */
export class ProvisionerEnv {
  /** HTTP port for `/health/*` when the service runs alone. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PRM_PORT = 8083;

  /** SQS queue of stream-create requests from other services (optional; no consumer when unset). */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an SQS queue URL' })
  PRM_SQS_INGRESS_QUEUE_URL?: string;

  /** Dead-letter queue for invalid ingress messages (with the validation error). */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an SQS queue URL' })
  PRM_SQS_DLQ_URL?: string;

  /** A run's lease, ms: a provisioner that has not renewed it for this long is dead and its runs are recovered. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  PRM_PROVISIONING_LEASE_MS = 15_000;

  /** How often unfinished runs (crashed, or rollbacks waiting for an unreachable end) are retried, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(200)
  PRM_PROVISIONING_RECOVERY_INTERVAL_MS = 10_000;

  /** Bound of the wait for the apply worker and the first table sync, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  PRM_PROVISIONING_WAIT_MS = 120_000;

  /**
   * Test hook (inert unless set): after the named saga step (e.g. `create-subscription`) the run waits while the
   * file `PRM_TEST_PAUSE_FILE` exists (at most 10 minutes), so a test can kill the process or stop a cluster at a
   * known point. Never set in production.
   */
  @IsOptional()
  @IsString()
  PRM_TEST_PAUSE_AFTER_STEP?: string;

  @IsOptional()
  @IsString()
  PRM_TEST_PAUSE_FILE?: string;
}

/** Typed settings of the provisioning module. */
export interface ProvisionerSettings {
  sqsIngressQueueUrl: string | null;
  sqsDlqUrl: string | null;
  awsEndpoint: string | null;
  awsRegion: string | null;
  leaseMs: number;
  recoveryIntervalMs: number;
  waitMs: number;
  testPause: { afterStep: string; file: string } | null;
}

/** Maps the validated env to {@link ProvisionerSettings}. */
export function provisionerSettings(
  env: ProvisionerEnv,
  aws: { region?: string; endpoint?: string } = {},
): ProvisionerSettings {
  return {
    sqsIngressQueueUrl: env.PRM_SQS_INGRESS_QUEUE_URL ?? null,
    sqsDlqUrl: env.PRM_SQS_DLQ_URL ?? null,
    awsEndpoint: aws.endpoint ?? null,
    awsRegion: aws.region ?? null,
    leaseMs: env.PRM_PROVISIONING_LEASE_MS,
    recoveryIntervalMs: env.PRM_PROVISIONING_RECOVERY_INTERVAL_MS,
    waitMs: env.PRM_PROVISIONING_WAIT_MS,
    testPause:
      env.PRM_TEST_PAUSE_AFTER_STEP && env.PRM_TEST_PAUSE_FILE
        ? { afterStep: env.PRM_TEST_PAUSE_AFTER_STEP, file: env.PRM_TEST_PAUSE_FILE }
        : null,
  };
}

import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap, type OnApplicationShutdown, Logger } from '@nestjs/common';
import { JobName, QueueName } from '@prm/contracts';
import { ProvisioningRunRepository } from '@prm/persistence';
import { type Job } from 'bullmq';
import type { ProvisionerSettings } from '../env.js';
import { PROVISIONER_SETTINGS } from './provisioning.ports.js';
import { ProvisioningSaga } from './provisioning.saga.js';

/** Thrown for a job this queue has no handler for or with a malformed payload. */
export class InvalidProvisioningJobError extends Error {
  readonly code = 'invalid-provisioning-job';
}

/**
 * BullMQ worker of queue `provisioning` (job `provisioning-run`, payload `{ runId }`), plus restart recovery:
 * at start and every `recoveryIntervalMs` it executes unfinished runs whose lease expired (their process died) and
 * rollbacks left pending by an unreachable end. Re-delivery is harmless: the saga takes the run's lease first.
 */
@Processor(QueueName.Provisioning, { concurrency: 4 })
export class ProvisioningProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProvisioningProcessor.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    private readonly saga: ProvisioningSaga,
    private readonly runs: ProvisioningRunRepository,
    @Inject(PROVISIONER_SETTINGS) private readonly settings: ProvisionerSettings,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    if (job.name !== JobName.ProvisioningRun) {
      throw new InvalidProvisioningJobError(`job ${job.id}: no handler for "${job.name}" on ${QueueName.Provisioning}`);
    }
    const runId = (job.data as { runId?: unknown } | null)?.runId;
    if (typeof runId !== 'string') throw new InvalidProvisioningJobError(`job ${job.id}: runId must be a string`);
    return { executed: await this.saga.execute(runId) };
  }

  onApplicationBootstrap(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.settings.recoveryIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One recovery pass; never throws. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const ids = await this.runs.listRecoverable(this.settings.leaseMs);
      for (const id of ids) {
        const run = await this.runs.get(id);
        // queued runs belong to their job; recover only those whose job was lost (older than a lease)
        if (run?.state === 'queued' && Date.parse(run.updatedAt) > Date.now() - this.settings.leaseMs) continue;
        await this.saga.execute(id);
      }
    } catch (err) {
      this.logger.error(`recovery pass failed: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}

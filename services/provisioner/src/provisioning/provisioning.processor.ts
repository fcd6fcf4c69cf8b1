import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap, type OnApplicationShutdown, Logger } from '@nestjs/common';
import { JobName, QueueName } from '@prm/contracts';
import { runJobWithCorrelation, runWithCorrelation } from '@prm/observability';
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
 * BullMQ worker of queue `provisioning` (job `provisioning-run`, payload `{ runId, correlationId? }`; the saga's log
 * lines carry the job's correlation id, i.e. the submitting HTTP request's or SQS message's), plus restart recovery:
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

  /** @throws InvalidProvisioningJobError for an unknown job name or a payload without a run id. */
  process(job: Job): Promise<unknown> {
    return runJobWithCorrelation(job, async () => {
      if (job.name !== JobName.ProvisioningRun) {
        throw new InvalidProvisioningJobError(
          `job ${job.id}: no handler for "${job.name}" on ${QueueName.Provisioning}`,
        );
      }
      const runId = (job.data as { runId?: unknown } | null)?.runId;
      if (typeof runId !== 'string') throw new InvalidProvisioningJobError(`job ${job.id}: runId must be a string`);
      this.logger.log(`provisioning run ${runId}: job started`);
      const executed = await this.saga.execute(runId);
      this.logger.log(`provisioning run ${runId}: job finished (${executed ? 'executed' : 'not ours or finished'})`);
      return { executed };
    });
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
        // the submitting request's id went with the lost job: recovery lines share this one instead
        await runWithCorrelation(`provisioning-recovery:${id}`, () => this.saga.execute(id));
      }
    } catch (err) {
      this.logger.error(`recovery pass failed: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}

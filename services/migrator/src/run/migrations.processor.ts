import { InjectQueue } from '@nestjs/bullmq';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { JobName, type MigrationJobData, QueueName } from '@prm/contracts';
import { runJobWithCorrelation } from '@prm/observability';
import { MigrationRunRepository } from '@prm/persistence';
import { type Job, Queue, WaitingError, Worker } from 'bullmq';
import { MIGRATOR_SETTINGS, type MigratorSettings } from '../migrator.ports.js';
import { migrationJobOptions } from '../plan/migration-submit.service.js';
import { MigrationInterruptedError, MigrationRunnerService } from './migration-runner.service.js';

/** Thrown for a job this queue has no handler for, or without a run id. */
export class InvalidMigrationJobError extends Error {
  readonly code = 'invalid-migration-job';
}

/**
 * BullMQ worker of queue `migrations`, concurrency 1 (the database guard keeps it to one run across instances).
 * Created here rather than with `@Processor` because its lock duration is a setting: a job whose migrator died
 * (SIGKILL) is picked up again by any migrator once its lock (`jobLockMs`) expires, checked every `jobLockMs / 2`;
 * the runner then resumes from `migration_step`. At start, every queued or running run without a job is enqueued
 * again and a failed job of one is retried.
 *
 * Graceful shutdown (`beforeApplicationShutdown`): no new job is taken and no further target is started; the target
 * under way may finish for `shutdownGraceMs`, then its session is closed (the target rolls back). The interrupted
 * run stays `running` and its job goes back to `waiting` (same job id), so the next migrator resumes it from
 * `migration_step` and `prm.migration_history`: nothing is lost, duplicated or half-recorded.
 */
@Injectable()
export class MigrationsProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(MigrationsProcessor.name);
  private worker: Worker | null = null;

  constructor(
    @Inject(MigrationRunnerService) private readonly runner: MigrationRunnerService,
    @Inject(MigrationRunRepository) private readonly runs: MigrationRunRepository,
    @InjectQueue(QueueName.Migrations) private readonly queue: Queue,
    @Inject(MIGRATOR_SETTINGS) private readonly settings: MigratorSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const lock = this.settings.jobLockMs;
    this.worker = new Worker(QueueName.Migrations, (job, token) => this.process(job, token), {
      connection: this.queue.opts.connection,
      prefix: this.queue.opts.prefix,
      concurrency: 1,
      lockDuration: lock,
      stalledInterval: Math.max(1000, Math.floor(lock / 2)),
      // A resumed run is safe to pick up again (history check per target), so stalls never fail it.
      maxStalledCount: 1000,
    });
    this.worker.on('error', (err) => this.logger.error(`migrations worker: ${err.message}`));
    await this.resumeUnfinished();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    this.runner.requestStop();
    const grace = setTimeout(() => {
      this.logger.warn(`shutdown: target still running after ${this.settings.shutdownGraceMs} ms; closing its session`);
      this.runner.abortActive();
    }, this.settings.shutdownGraceMs);
    try {
      await this.worker.close();
    } finally {
      clearTimeout(grace);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  /** (Re-)enqueues queued/running runs that have no job, and retries their failed jobs. */
  async resumeUnfinished(): Promise<void> {
    for (const run of await this.runs.findUnfinished()) {
      const job = await this.queue.getJob(run.id);
      if (!job) {
        this.logger.log(`migration run ${run.id} (${run.status}) has no job: enqueued again`);
        await this.queue.add(JobName.RunMigration, { runId: run.id }, migrationJobOptions(run.id));
      } else if (await job.isFailed()) {
        this.logger.log(`migration run ${run.id}: retrying its failed job`);
        await job.retry();
      }
    }
  }

  /**
   * Handles one job of queue `migrations` with its correlation id (the submitting HTTP request's) bound to the log
   * lines. An interrupted run's job is moved back to `waiting` (BullMQ `WaitingError`).
   * @throws InvalidMigrationJobError for an unknown job or payload.
   */
  process(job: Job, token?: string): Promise<unknown> {
    return runJobWithCorrelation(job, async () => {
      if (job.name !== JobName.RunMigration) {
        throw new InvalidMigrationJobError(`job ${job.id}: no handler for "${job.name}" on ${QueueName.Migrations}`);
      }
      const data = job.data as Partial<MigrationJobData> | null;
      if (typeof data?.runId !== 'string') throw new InvalidMigrationJobError(`job ${job.id}: runId missing`);
      this.logger.log(`migration run ${data.runId}: job started`);
      try {
        const status = await this.runner.execute(data.runId);
        this.logger.log(`migration run ${data.runId}: job finished (${status ?? 'no such run'})`);
        return { status };
      } catch (err) {
        if (err instanceof MigrationInterruptedError && token) {
          await job.moveToWait(token);
          this.logger.log(`migration run ${data.runId}: interrupted by shutdown; job returned to the queue`);
          throw new WaitingError();
        }
        throw err;
      }
    });
  }
}

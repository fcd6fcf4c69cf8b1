import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JobName, type MigrationJobData, QueueName } from '@prm/contracts';
import { MigrationRunRepository } from '@prm/persistence';
import { type Job, Queue, Worker } from 'bullmq';
import { MIGRATOR_SETTINGS, type MigratorSettings } from '../migrator.ports.js';
import { migrationJobOptions } from '../plan/migration-submit.service.js';
import { MigrationRunnerService } from './migration-runner.service.js';

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
 */
@Injectable()
export class MigrationsProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
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
    this.worker = new Worker(QueueName.Migrations, (job) => this.process(job), {
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

  /** Handles one job of queue `migrations`. @throws InvalidMigrationJobError for an unknown job or payload. */
  async process(job: Job): Promise<unknown> {
    if (job.name !== JobName.RunMigration) {
      throw new InvalidMigrationJobError(`job ${job.id}: no handler for "${job.name}" on ${QueueName.Migrations}`);
    }
    const data = job.data as Partial<MigrationJobData> | null;
    if (typeof data?.runId !== 'string') throw new InvalidMigrationJobError(`job ${job.id}: runId missing`);
    return { status: await this.runner.execute(data.runId) };
  }
}

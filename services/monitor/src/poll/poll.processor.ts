import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { JobName, QueueName } from '@prm/contracts';
import { runJobWithCorrelation } from '@prm/observability';
import { type Job } from 'bullmq';

import { forgetEndpoint } from '../metrics/monitor-metrics.js';
import { MONITOR_SETTINGS, type MonitorSettings } from '../monitor.ports.js';
import { MonitorPollService, type PollEndpointJobData } from './monitor-poll.service.js';
import { tickTimestamp } from './poll.scheduler.js';

/** Thrown for a job this queue has no handler for, or with a payload that is not a {@link PollEndpointJobData}. */
export class InvalidPollJobError extends Error {
  readonly code = 'invalid-poll-job';
}

/**
 * BullMQ worker of queue `monitor-poll`: `poll-tick` fans out, `poll-endpoint` polls one endpoint. Concurrency
 * comes from `MonitorSettings.concurrency` (default 32), so a hung endpoint holds one slot for at most its
 * deadlines while the other endpoints keep being polled.
 */
@Processor(QueueName.MonitorPoll)
export class PollProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    @Inject(MonitorPollService) private readonly monitor: MonitorPollService,
    @Inject(MONITOR_SETTINGS) private readonly settings: MonitorSettings,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // The worker is created by @nestjs/bullmq in onModuleInit; concurrency is a runtime setting of BullMQ 6.
    this.worker.concurrency = this.settings.concurrency;
  }

  /** Handles one job with its correlation id bound to the log lines (`monitor-poll:<job id>`). */
  process(job: Job): Promise<unknown> {
    return runJobWithCorrelation(job, () => this.handle(job));
  }

  private async handle(job: Job): Promise<unknown> {
    switch (job.name) {
      case JobName.PollTick:
        return { endpoints: await this.monitor.fanOut(tickTimestamp(job)) };
      case JobName.PollEndpoint: {
        const data = job.data as Partial<PollEndpointJobData> | null;
        if (typeof data?.endpointId !== 'string' || data.endpointId === '') {
          throw new InvalidPollJobError(`job ${job.id}: poll-endpoint needs a string endpointId`);
        }
        const status = await this.monitor.pollEndpoint(data.endpointId);
        if (status === null) forgetEndpoint(data.endpointId);
        return { reachability: status?.reachability ?? 'deleted' };
      }
      default:
        throw new InvalidPollJobError(`job ${job.id}: no handler for "${job.name}" on queue ${QueueName.MonitorPoll}`);
    }
  }
}

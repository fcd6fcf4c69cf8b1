import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { JobName, QueueName } from '@prm/contracts';
import { runJobWithCorrelation } from '@prm/observability';
import { type Job } from 'bullmq';
import { type ChannelTestJobData, type NotificationJobData, NotificationService } from './notification.service.js';

/** BullMQ worker of queue `notifications`: one grouped delivery per job, retried with exponential backoff. */
@Processor(QueueName.Notifications, { concurrency: 8 })
export class NotificationProcessor extends WorkerHost {
  constructor(@Inject(NotificationService) private readonly notifications: NotificationService) {
    super();
  }

  process(job: Job<NotificationJobData | ChannelTestJobData>): Promise<unknown> {
    return runJobWithCorrelation(job, async () => {
      const data = job.data;
      if (job.name !== JobName.SendNotification || typeof data?.channelId !== 'string') {
        throw new Error(`job ${job.id}: no handler for "${job.name}" on queue ${QueueName.Notifications}`);
      }
      if ('test' in data && data.test === true) return this.notifications.test(data.channelId);
      return this.notifications.deliver(data as NotificationJobData, job.attemptsMade + 1, job.opts.attempts ?? 1);
    });
  }
}

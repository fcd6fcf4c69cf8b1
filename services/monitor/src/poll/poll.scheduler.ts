import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { JobName, QueueName } from '@prm/contracts';
import { type Job, Queue } from 'bullmq';

import { MONITOR_SETTINGS, type MonitorSettings } from '../monitor.ports.js';

/** Id of the BullMQ job scheduler that emits the poll ticks (one per installation, whatever the instance count). */
export const POLL_TICK_SCHEDULER_ID = 'monitor-poll-tick';

/**
 * The tick's timestamp (epoch ms): the time the job scheduler planned it for, so a re-run tick fans out the same
 * job ids. Falls back to the job's creation time for a tick added by hand.
 */
export function tickTimestamp(job: Pick<Job, 'opts' | 'timestamp'>): number {
  const planned = (job.opts as { prevMillis?: number }).prevMillis;
  return typeof planned === 'number' && planned > 0 ? planned : job.timestamp;
}

/**
 * Upserts the repeatable `poll-tick` on queue `monitor-poll` every `pollIntervalMs` (BullMQ 6 job scheduler:
 * upserting is idempotent, so every instance may do it at start and a changed interval replaces the old one).
 */
@Injectable()
export class PollScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QueueName.MonitorPoll) private readonly queue: Queue,
    @Inject(MONITOR_SETTINGS) private readonly settings: MonitorSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.schedule();
  }

  /** Creates or updates the tick scheduler (with `every`, BullMQ plans the first tick right away). */
  async schedule(): Promise<void> {
    await this.queue.upsertJobScheduler(
      POLL_TICK_SCHEDULER_ID,
      { every: this.settings.pollIntervalMs },
      {
        name: JobName.PollTick,
        data: {},
        opts: { removeOnComplete: true, removeOnFail: { age: 24 * 3600, count: 100 } },
      },
    );
  }

  /** Removes the tick scheduler (tests, decommissioning); polls already queued still run. */
  async unschedule(): Promise<void> {
    await this.queue.removeJobScheduler(POLL_TICK_SCHEDULER_ID);
  }
}

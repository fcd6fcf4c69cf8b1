import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { type DynamicModule, Global, Inject, Injectable, Module } from '@nestjs/common';
import {
  ALERT_EVAL_ENQUEUER,
  type AlertEvalEnqueuer,
  type AlertEvalJobData,
  JobName,
  QueueName,
  alertEvalJobId,
} from '@prm/contracts';
import { runJobWithCorrelation } from '@prm/observability';
import { BullModule } from '@nestjs/bullmq';
import { type Job, Queue } from 'bullmq';
import { AlertEvaluationService } from './alert-evaluation.service.js';

/** BullMQ worker of queue `alert-eval`: evaluates the rules on one endpoint's snapshot (evaluations serialize in SQL). */
@Processor(QueueName.AlertEval, { concurrency: 2 })
export class AlertEvalProcessor extends WorkerHost {
  constructor(@Inject(AlertEvaluationService) private readonly evaluation: AlertEvaluationService) {
    super();
  }

  process(job: Job<AlertEvalJobData>): Promise<unknown> {
    return runJobWithCorrelation(job, async () => {
      if (job.name !== JobName.EvaluateAlerts || typeof job.data?.endpointId !== 'string') {
        throw new Error(`job ${job.id}: no handler for "${job.name}" on queue ${QueueName.AlertEval}`);
      }
      return this.evaluation.evaluate(job.data);
    });
  }
}

/**
 * {@link AlertEvalEnqueuer} on the `alert-eval` queue: one durable job per snapshot (job id from endpoint and poll
 * time, 5 attempts with backoff, kept a day when failed).
 */
@Injectable()
export class QueueAlertEvalEnqueuer implements AlertEvalEnqueuer {
  constructor(@InjectQueue(QueueName.AlertEval) private readonly queue: Queue) {}

  async enqueue(data: AlertEvalJobData): Promise<void> {
    await this.queue.add(JobName.EvaluateAlerts, data, {
      jobId: alertEvalJobId(data.endpointId, data.checkedAt),
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600, count: 1000 },
    });
  }
}

/**
 * Provides {@link ALERT_EVAL_ENQUEUER} globally, so the monitor's poll flow (which injects it optionally) enqueues an
 * `alert-eval` job after each poll. Imported by the alerter's module; a monitor running alone imports it too.
 */
@Global()
@Module({})
export class AlertEvalProducerModule {
  static forRoot(): DynamicModule {
    return {
      module: AlertEvalProducerModule,
      imports: [BullModule.registerQueue({ name: QueueName.AlertEval })],
      providers: [QueueAlertEvalEnqueuer, { provide: ALERT_EVAL_ENQUEUER, useExisting: QueueAlertEvalEnqueuer }],
      exports: [ALERT_EVAL_ENQUEUER],
    };
  }
}

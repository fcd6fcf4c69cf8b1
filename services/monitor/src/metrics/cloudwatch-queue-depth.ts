import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { BullModule, InjectQueue } from '@nestjs/bullmq';
import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { QueueName } from '@prm/contracts';
import { Queue } from 'bullmq';

/** The custom metric the CDK stack scales the monitor on (deploy/cdk/lib/prm-stack.ts `QUEUE_DEPTH_METRIC`). */
export const MONITOR_QUEUE_DEPTH_METRIC = { namespace: 'prm', metricName: 'MonitorPollQueueDepth' } as const;

/** Settings of {@link MonitorQueueDepthPublisher}. */
export interface CloudWatchQueueDepthSettings {
  /** `PRM_CLOUDWATCH_METRICS=true`; nothing is published otherwise. */
  enabled: boolean;
  /** `PRM_REDIS_PREFIX`: the metric's `RedisPrefix` dimension (one installation per prefix). */
  redisPrefix: string;
  region?: string;
  /** AWS endpoint override (`PRM_AWS_ENDPOINT`). */
  endpoint?: string;
  /** Publish interval, ms. Default 60000 (the alarms use 1-minute periods). */
  intervalMs?: number;
}

const SETTINGS = Symbol('CLOUDWATCH_QUEUE_DEPTH_SETTINGS');
const CLIENT = Symbol('CLOUDWATCH_CLIENT');

/**
 * Publishes `prm/MonitorPollQueueDepth` (dimension `RedisPrefix`, unit Count): waiting + delayed jobs of the
 * BullMQ `monitor-poll` queue, every `intervalMs` and once at start, with `cloudwatch:PutMetricData` (the task role
 * allows it in namespace `prm` only). Every monitor task publishes the same queue-wide value; the alarms take the
 * maximum. A failed put is logged and retried at the next interval.
 */
@Injectable()
export class MonitorQueueDepthPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MonitorQueueDepthPublisher.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @InjectQueue(QueueName.MonitorPoll) private readonly queue: Pick<Queue, 'getJobCounts'>,
    @Inject(CLIENT) private readonly client: Pick<CloudWatchClient, 'send'>,
    @Inject(SETTINGS) private readonly settings: CloudWatchQueueDepthSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) return;
    this.logger.log(
      `publishing ${MONITOR_QUEUE_DEPTH_METRIC.namespace}/${MONITOR_QUEUE_DEPTH_METRIC.metricName} every ${this.interval()} ms`,
    );
    void this.publishOnce();
    this.timer = setInterval(() => void this.publishOnce(), this.interval());
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private interval(): number {
    return this.settings.intervalMs ?? 60_000;
  }

  /**
   * Reads the queue depth and puts one data point. @returns the value published, or null when it failed (logged).
   */
  async publishOnce(): Promise<number | null> {
    try {
      const counts = await this.queue.getJobCounts('waiting', 'delayed');
      const value = (counts.waiting ?? 0) + (counts.delayed ?? 0);
      await this.client.send(
        new PutMetricDataCommand({
          Namespace: MONITOR_QUEUE_DEPTH_METRIC.namespace,
          MetricData: [
            {
              MetricName: MONITOR_QUEUE_DEPTH_METRIC.metricName,
              Dimensions: [{ Name: 'RedisPrefix', Value: this.settings.redisPrefix }],
              Unit: 'Count',
              Value: value,
              Timestamp: new Date(),
            },
          ],
        }),
      );
      return value;
    } catch (err) {
      this.logger.warn(`MonitorPollQueueDepth not published: ${(err as Error).message}`);
      return null;
    }
  }
}

/** Registers {@link MonitorQueueDepthPublisher} (inert unless `enabled`). Needs `BullModule.forRoot` from the host. */
@Module({})
export class MonitorCloudWatchModule {
  static forRoot(settings: CloudWatchQueueDepthSettings): DynamicModule {
    return {
      module: MonitorCloudWatchModule,
      imports: [BullModule.registerQueue({ name: QueueName.MonitorPoll })],
      providers: [
        { provide: SETTINGS, useValue: settings },
        {
          provide: CLIENT,
          useFactory: () =>
            new CloudWatchClient({
              ...(settings.region ? { region: settings.region } : {}),
              ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
            }),
        },
        MonitorQueueDepthPublisher,
      ],
    };
  }
}

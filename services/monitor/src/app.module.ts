import { type DynamicModule, Module } from '@nestjs/common';
import { AlertEvalProducerModule } from '@prm/alerter-service';
import { CredentialsModule } from '@prm/aws';
import { type CommonEnv, coreImports } from '@prm/observability';
import type { MonitorEnv } from './env.js';
import { MonitorCloudWatchModule } from './metrics/cloudwatch-queue-depth.js';
import { MonitorServiceModule } from './monitor-service.module.js';

/** Composition root of the monitor when it runs alone (scale it out: BullMQ shares the poll jobs). */
@Module({})
export class MonitorAppModule {
  static forRoot(common: CommonEnv, env: MonitorEnv, processEnv: Record<string, string | undefined>): DynamicModule {
    return {
      module: MonitorAppModule,
      imports: [
        ...coreImports(common, 'monitor'),
        CredentialsModule.forRoot({ env: processEnv, region: common.AWS_REGION, endpoint: common.PRM_AWS_ENDPOINT }),
        MonitorServiceModule.forRoot({
          pollIntervalMs: env.PRM_POLL_INTERVAL_MS,
          concurrency: env.PRM_POLL_CONCURRENCY,
          tableSizeRefreshMs: env.PRM_TABLE_SIZE_REFRESH_MS,
          backfillStallMs: env.PRM_BACKFILL_STALL_MS,
          metricsRetentionDays: env.PRM_METRICS_RETENTION_DAYS,
          logs: { awsEndpoint: common.PRM_AWS_ENDPOINT },
        }),
        // after each poll, a durable alert-eval job for the alerter service (wherever it runs)
        AlertEvalProducerModule.forRoot(),
        MonitorCloudWatchModule.forRoot({
          enabled: env.PRM_CLOUDWATCH_METRICS === 'true',
          redisPrefix: common.PRM_REDIS_PREFIX,
          region: common.AWS_REGION,
          endpoint: common.PRM_AWS_ENDPOINT,
        }),
      ],
    };
  }
}

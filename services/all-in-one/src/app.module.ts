import { type DynamicModule, Module } from '@nestjs/common';
import { AlerterServiceModule, AlerterSettingsEnv, alerterSettings } from '@prm/alerter-service';
import { CredentialsModule } from '@prm/aws';
import { ConfigServiceModule, EndpointsService } from '@prm/config-service';
import { AuthEnv, GatewayModule, type GatewayEnv } from '@prm/gateway-service';
import { MigratorServiceModule } from '@prm/migrator-service';
import { MonitorCloudWatchModule, type MonitorEnv, MonitorServiceModule } from '@prm/monitor-service';
import { BootstrapEnv, type CommonEnv, coreImports, endpointBootstrapProviders, validateEnv } from '@prm/observability';
import { ProvisionerServiceModule } from '@prm/provisioner-service';

export interface AllInOneSettings {
  common: CommonEnv;
  gateway: GatewayEnv;
  monitor: MonitorEnv;
  /** Process environment, for `env` credential references (local use). */
  processEnv: Record<string, string | undefined>;
}

/** The six services in one process (demo, tests, small installs), sharing one logger, store and Redis bus. */
@Module({})
export class AllInOneModule {
  static forRoot(s: AllInOneSettings): DynamicModule {
    const bootstrap = validateEnv(BootstrapEnv, s.processEnv);
    return {
      module: AllInOneModule,
      imports: [
        ...coreImports(s.common, 'all-in-one'),
        CredentialsModule.forRoot({
          env: s.processEnv,
          region: s.common.AWS_REGION,
          endpoint: s.common.PRM_AWS_ENDPOINT,
        }),
        GatewayModule.forRoot({
          consoleDir: s.gateway.PRM_CONSOLE_DIR,
          auth: validateEnv(AuthEnv, s.processEnv),
          redis: { url: s.common.REDIS_URL, prefix: s.common.PRM_REDIS_PREFIX },
        }),
        ConfigServiceModule,
        MonitorServiceModule.forRoot({
          pollIntervalMs: s.monitor.PRM_POLL_INTERVAL_MS,
          concurrency: s.monitor.PRM_POLL_CONCURRENCY,
          tableSizeRefreshMs: s.monitor.PRM_TABLE_SIZE_REFRESH_MS,
          backfillStallMs: s.monitor.PRM_BACKFILL_STALL_MS,
          metricsRetentionDays: s.monitor.PRM_METRICS_RETENTION_DAYS,
          logs: { awsEndpoint: s.common.PRM_AWS_ENDPOINT },
        }),
        MonitorCloudWatchModule.forRoot({
          enabled: s.monitor.PRM_CLOUDWATCH_METRICS === 'true',
          redisPrefix: s.common.PRM_REDIS_PREFIX,
          region: s.common.AWS_REGION,
          endpoint: s.common.PRM_AWS_ENDPOINT,
        }),
        ProvisionerServiceModule.forRoot(s.processEnv),
        MigratorServiceModule,
        AlerterServiceModule.forRoot(
          alerterSettings(validateEnv(AlerterSettingsEnv, s.processEnv), s.common, s.processEnv),
        ),
      ],
      // Optional endpoints from PRM_BOOTSTRAP_FILE / PRM_BOOTSTRAP_SSM_PATH, applied at start (config service).
      providers: endpointBootstrapProviders(
        {
          file: bootstrap.PRM_BOOTSTRAP_FILE,
          ssmPath: bootstrap.PRM_BOOTSTRAP_SSM_PATH,
          region: s.common.AWS_REGION,
          awsEndpoint: s.common.PRM_AWS_ENDPOINT,
        },
        EndpointsService,
      ),
    };
  }
}

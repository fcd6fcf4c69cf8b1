import type { DynamicModule, INestApplication } from '@nestjs/common';
import { MessagingModule, PrefixedRedisServer, parseRedisUrl } from '@prm/messaging';
import { PersistenceModule } from '@prm/persistence';
import { Logger } from 'nestjs-pino';
import type { CommonEnv } from './common-env.js';
import { HealthModule } from './health.module.js';
import { PrmLoggerModule } from './logger.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { installGracefulShutdown } from './shutdown.js';

/**
 * The infrastructure every prm service composes: JSON logger with redaction, metadata store (migrated at start),
 * Redis bus and BullMQ connection, health endpoints (`/health/live`, `/health/ready`), Prometheus `/metrics`.
 */
export function coreImports(env: CommonEnv, service: string): DynamicModule[] {
  return [
    PrmLoggerModule.forRoot({ level: env.LOG_LEVEL, service }),
    PersistenceModule.forRoot({
      url: env.PRM_DATABASE_URL,
      tls: { mode: env.PRM_DATABASE_SSL, caFile: env.PRM_DATABASE_CA_FILE },
    }),
    MessagingModule.forRoot({ redisUrl: env.REDIS_URL, prefix: env.PRM_REDIS_PREFIX }),
    HealthModule.forRoot({ redisUrl: env.REDIS_URL }),
    { module: MetricsModule },
  ];
}

/**
 * Attaches the pino logger, the graceful shutdown (SIGTERM/SIGINT: workers drained, modules, connections and queues
 * closed, bounded by `PRM_SHUTDOWN_TIMEOUT_MS`; see {@link installGracefulShutdown}) and the Redis bus listener
 * (request/reply and events with prefixed channels), then starts the microservice listener.
 */
export async function startBusListener(app: INestApplication, env: CommonEnv): Promise<void> {
  app.useLogger(app.get(Logger));
  installGracefulShutdown(app, { timeoutMs: env.PRM_SHUTDOWN_TIMEOUT_MS });
  app.connectMicroservice(
    { strategy: new PrefixedRedisServer({ ...parseRedisUrl(env.REDIS_URL) }, `${env.PRM_REDIS_PREFIX}:`) },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
}

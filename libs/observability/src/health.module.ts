import { Controller, type DynamicModule, Get, Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { Public } from './access.js';
import { DiscoveryModule } from '@nestjs/core';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { QueueDiscovery } from './queue-discovery.js';
import { WorkerDrain } from './shutdown.js';

const HEALTH_REDIS = Symbol('HEALTH_REDIS');

/** Readiness probes: prm's metadata database and Redis (each with a 2 s budget), and the BullMQ workers. */
@Injectable()
export class ReadinessIndicators implements OnModuleDestroy {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @Inject(HEALTH_REDIS) private readonly redis: Redis,
    private readonly queues: QueueDiscovery,
  ) {}

  /**
   * `queue_workers`: every BullMQ worker of this service is running (not closing, closed or paused); details per
   * queue (`running` | `paused` | `closing` | `stopped`). Up when the service has no worker (gateway).
   */
  workers() {
    const session = this.indicators.check('queue_workers');
    const states: Record<string, string> = {};
    for (const { worker } of this.queues.workers()) {
      const state = worker.closing
        ? 'closing'
        : worker.isPaused()
          ? 'paused'
          : worker.isRunning()
            ? 'running'
            : 'stopped';
      states[worker.name] = state;
    }
    const ok = Object.values(states).every((s) => s === 'running');
    return ok ? session.up(states) : session.down(states);
  }

  async database() {
    const session = this.indicators.check('metadata_db');
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), 2000);
      return session.up();
    } catch (err) {
      return session.down({ message: err instanceof Error ? err.message : 'unreachable' });
    }
  }

  async redisPing() {
    const session = this.indicators.check('redis');
    try {
      await withTimeout(this.redis.ping(), 2000);
      return session.up();
    } catch (err) {
      return session.down({ message: err instanceof Error ? err.message : 'unreachable' });
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/**
 * `GET /health/live` (the process answers) and `GET /health/ready` (metadata DB and Redis answer, BullMQ workers
 * run; 503 with the failing checks otherwise, and during shutdown once workers close).
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessIndicators,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.readiness.database(),
      () => this.readiness.redisPing(),
      () => this.readiness.workers(),
    ]);
  }
}

/**
 * Health endpoints for a service, and the drain that stops its BullMQ workers at shutdown ({@link WorkerDrain});
 * needs the global DataSource from PersistenceModule.
 */
@Module({})
export class HealthModule {
  static forRoot(options: { redisUrl: string }): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule, DiscoveryModule],
      controllers: [HealthController],
      providers: [
        ReadinessIndicators,
        QueueDiscovery,
        WorkerDrain,
        {
          provide: HEALTH_REDIS,
          useFactory: () =>
            new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false }),
        },
      ],
    };
  }
}

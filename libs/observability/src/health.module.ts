import { Controller, type DynamicModule, Get, Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';

const HEALTH_REDIS = Symbol('HEALTH_REDIS');

/** Readiness probes: prm's metadata database and Redis, each with a 2 s budget. */
@Injectable()
export class ReadinessIndicators implements OnModuleDestroy {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @Inject(HEALTH_REDIS) private readonly redis: Redis,
  ) {}

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

/** `GET /health/live` (the process answers) and `GET /health/ready` (metadata DB and Redis answer). */
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
    return this.health.check([() => this.readiness.database(), () => this.readiness.redisPing()]);
  }
}

/** Health endpoints for a service; needs the global DataSource from PersistenceModule. */
@Module({})
export class HealthModule {
  static forRoot(options: { redisUrl: string }): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule],
      controllers: [HealthController],
      providers: [
        ReadinessIndicators,
        {
          provide: HEALTH_REDIS,
          useFactory: () =>
            new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false }),
        },
      ],
    };
  }
}

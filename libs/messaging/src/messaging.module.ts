import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { PrefixedRedisClient } from './prefixed-redis.js';
import { parseRedisUrl } from './redis-url.js';

/** Injection token of the {@link ClientProxy} on prm's Redis bus (request/reply and events). */
export const PRM_BUS = Symbol('PRM_BUS');

export interface MessagingOptions {
  /** `redis://host:port[/db]` */
  redisUrl: string;
  /** Namespaces BullMQ keys and pub/sub channels, so installations and test runs sharing a Redis stay apart. */
  prefix: string;
}

/**
 * Redis wiring shared by every service: BullMQ's connection and key prefix, and a client for the
 * `@nestjs/microservices` Redis transport with prefixed channels ({@link PRM_BUS}).
 */
@Global()
@Module({})
export class MessagingModule implements OnApplicationShutdown {
  constructor(@Inject(PRM_BUS) private readonly bus: ClientProxy) {}

  static forRoot(options: MessagingOptions): DynamicModule {
    const connection = parseRedisUrl(options.redisUrl);
    return {
      module: MessagingModule,
      imports: [
        BullModule.forRoot({ connection: { ...connection, maxRetriesPerRequest: null }, prefix: options.prefix }),
      ],
      providers: [
        {
          provide: PRM_BUS,
          useFactory: () => new PrefixedRedisClient({ ...connection }, `${options.prefix}:`),
        },
      ],
      exports: [PRM_BUS, BullModule],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

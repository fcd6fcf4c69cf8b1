import { ClientRedis, type ReadPacket, ServerRedis } from '@nestjs/microservices';
import type { RedisOptions } from '@nestjs/microservices';

/**
 * Redis pub/sub channels are global to a Redis server (not per database), so two prm installations (or two test
 * runs) on one Redis would answer each other's requests. These transport classes put a prefix on every channel.
 */
export class PrefixedRedisServer extends ServerRedis {
  constructor(
    options: RedisOptions['options'],
    private readonly prefix: string,
  ) {
    super(options ?? {});
  }

  override bindEvents(
    subClient: Parameters<ServerRedis['bindEvents']>[0],
    pubClient: Parameters<ServerRedis['bindEvents']>[1],
  ): void {
    subClient.on('message', (channel: string, buffer: string) => {
      if (!channel.startsWith(this.prefix)) return;
      this.handleMessage(channel.slice(this.prefix.length), buffer, pubClient, channel).catch((err: unknown) =>
        this.handleError(err instanceof Error ? err.message : String(err)),
      );
    });
    for (const pattern of this.messageHandlers.keys()) {
      void subClient.subscribe(this.prefix + pattern);
    }
  }
}

/** Client side of {@link PrefixedRedisServer}: requests, replies and events all travel on prefixed channels. */
export class PrefixedRedisClient extends ClientRedis {
  constructor(
    options: RedisOptions['options'],
    private readonly prefix: string,
  ) {
    super(options ?? {});
  }

  override getRequestPattern(pattern: string): string {
    return this.prefix + pattern;
  }

  override getReplyPattern(pattern: string): string {
    return `${this.prefix}${pattern}.reply`;
  }

  protected override dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return super.dispatchEvent({ ...packet, pattern: this.prefix + this.normalizePattern(packet.pattern) });
  }
}

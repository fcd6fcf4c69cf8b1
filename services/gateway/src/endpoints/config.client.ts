import { Inject, Injectable } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { type ConfigPattern, DomainError } from '@prm/contracts';
import { PRM_BUS } from '@prm/messaging';
import { firstValueFrom, timeout } from 'rxjs';

/** How long the gateway waits for the config service, ms (a live check can take its 5 s connect timeout twice). */
const CONFIG_REPLY_TIMEOUT_MS = 20_000;

/**
 * Request/reply to the config service over the Redis bus. Errors that crossed the bus as DomainError payloads are
 * rebuilt as DomainError; a missing reply becomes `unavailable`.
 */
@Injectable()
export class ConfigClient {
  constructor(@Inject(PRM_BUS) private readonly bus: ClientProxy) {}

  async send<T>(pattern: ConfigPattern, payload: unknown): Promise<T> {
    try {
      return await firstValueFrom(this.bus.send<T>(pattern, payload).pipe(timeout(CONFIG_REPLY_TIMEOUT_MS)));
    } catch (err) {
      const domain = DomainError.fromPayload(err);
      if (domain) throw domain;
      throw new DomainError('unavailable', 'the config service did not answer', [
        { reason: 'config service unavailable' },
      ]);
    }
  }
}

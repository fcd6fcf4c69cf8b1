import { Inject, Injectable } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { DomainError, type ProvisioningPattern } from '@prm/contracts';
import { PRM_BUS } from '@prm/messaging';
import { firstValueFrom, timeout } from 'rxjs';

/** How long the gateway waits for the provisioner, ms (a preflight logs in three times with 15 s timeouts). */
const PROVISIONER_REPLY_TIMEOUT_MS = 60_000;

/** Request/reply to the provisioner over the Redis bus; errors come back as DomainError. */
@Injectable()
export class ProvisioningClient {
  constructor(@Inject(PRM_BUS) private readonly bus: ClientProxy) {}

  async send<T>(pattern: ProvisioningPattern, payload: unknown): Promise<T> {
    try {
      return await firstValueFrom(this.bus.send<T>(pattern, payload).pipe(timeout(PROVISIONER_REPLY_TIMEOUT_MS)));
    } catch (err) {
      const domain = DomainError.fromPayload(err);
      if (domain) throw domain;
      throw new DomainError('unavailable', 'the provisioner did not answer', [{ reason: 'provisioner unavailable' }]);
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { DomainError, type ProvisioningPattern } from '@prm/contracts';
import { PRM_BUS } from '@prm/messaging';
import { withCorrelationId } from '@prm/observability';
import { firstValueFrom, timeout } from 'rxjs';

/** How long the gateway waits for the provisioner, ms (a preflight logs in three times with 15 s timeouts). */
const PROVISIONER_REPLY_TIMEOUT_MS = 60_000;

/**
 * Request/reply to the provisioner over the Redis bus; errors come back as DomainError. An object payload carries
 * the HTTP request's correlation id as `correlationId`: the provisioner binds it to its log lines and puts it into
 * the saga's job (see docs/operations.md "Logs and correlation ids").
 */
@Injectable()
export class ProvisioningClient {
  constructor(@Inject(PRM_BUS) private readonly bus: ClientProxy) {}

  /** @throws DomainError as the provisioner answered, or `unavailable` when it did not answer within 60 s. */
  async send<T>(pattern: ProvisioningPattern, payload: unknown): Promise<T> {
    const message = typeof payload === 'object' && payload !== null ? withCorrelationId(payload) : payload;
    try {
      return await firstValueFrom(this.bus.send<T>(pattern, message).pipe(timeout(PROVISIONER_REPLY_TIMEOUT_MS)));
    } catch (err) {
      const domain = DomainError.fromPayload(err);
      if (domain) throw domain;
      throw new DomainError('unavailable', 'the provisioner did not answer', [{ reason: 'provisioner unavailable' }]);
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { EndpointCheckResult } from '@prm/contracts';
import { CREDENTIAL_RESOLVER } from '@prm/aws';
import { type CredentialResolver, type EndpointConnectionSpec, checkEndpoint } from '@prm/pg';

/** Runs the live check (TCP, login, version, `wal_level`, privileges) for an endpoint about to be saved. */
@Injectable()
export class EndpointChecker {
  constructor(@Inject(CREDENTIAL_RESOLVER) private readonly resolver: CredentialResolver) {}

  /** Never throws for connection or credential failures: they come back as `{ ok: false, error }`. */
  check(spec: EndpointConnectionSpec): Promise<EndpointCheckResult> {
    return checkEndpoint(spec, this.resolver, { applicationName: 'prm-config' });
  }
}

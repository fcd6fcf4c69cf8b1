import { Inject, Injectable } from '@nestjs/common';
import { CREDENTIAL_RESOLVER } from '@prm/aws';
import { type CredentialRef, DomainError, type PgCause } from '@prm/contracts';
import { EndpointRepository, type EndpointEntity } from '@prm/persistence';
import {
  classifyPgError,
  type CredentialResolver,
  type EndpointConnectionSpec,
  openClient,
  type ResolvedCredential,
} from '@prm/pg';
import type pg from 'pg';

/** `application_name` of provisioner sessions (visible in pg_stat_activity). */
export const PROVISIONER_APPLICATION_NAME = 'prm-provisioner';

/** A session or the classified reason it could not be opened. */
export type SessionResult = { client: pg.Client; cause: null } | { client: null; cause: PgCause };

/**
 * Opens sessions to endpoints for the provisioner: the endpoint's own login, or another credential (the
 * replication credential) against the endpoint's host. Statement timeout 60 s by default (CREATE SUBSCRIPTION waits
 * for running transactions on the publisher before its slot is consistent).
 */
@Injectable()
export class EndpointSessions {
  constructor(
    private readonly endpoints: EndpointRepository,
    @Inject(CREDENTIAL_RESOLVER) private readonly resolver: CredentialResolver,
  ) {}

  /** The endpoint row. @throws DomainError('not-found', field = `field`). */
  async endpoint(id: string, field: string): Promise<EndpointEntity> {
    const e = /^[0-9a-f-]{36}$/i.test(id) ? await this.endpoints.findById(id) : null;
    if (!e) throw new DomainError('not-found', `endpoint ${id} not found`, [{ field, reason: 'no such endpoint' }]);
    return e;
  }

  /** Connection spec of endpoint `e`, optionally with another credential. */
  spec(e: EndpointEntity, credential?: CredentialRef): EndpointConnectionSpec {
    return { host: e.host, port: e.port, dbname: e.dbname, sslmode: e.sslmode, credential: credential ?? e.credential };
  }

  /** Opens a session; never throws for connection failures (they come back as `cause`). */
  async open(e: EndpointEntity, credential?: CredentialRef, statementTimeoutMs = 60_000): Promise<SessionResult> {
    try {
      const client = await openClient(this.spec(e, credential), this.resolver, {
        applicationName: PROVISIONER_APPLICATION_NAME,
        statementTimeoutMs,
        lockTimeoutMs: 10_000,
      });
      return { client, cause: null };
    } catch (err) {
      return { client: null, cause: classifyPgError(err, { host: e.host, port: e.port, dbname: e.dbname }) };
    }
  }

  /** Opens a session or throws its cause as a `CausedError`-like object for the saga. */
  async openOrThrow(e: EndpointEntity, credential?: CredentialRef): Promise<pg.Client> {
    const s = await this.open(e, credential);
    if (s.client) return s.client;
    throw Object.assign(new Error(s.cause.message), { pgCause: s.cause });
  }

  /** Resolves a credential for the endpoint's host (the replication login put in the CONNECTION string). */
  resolve(ref: CredentialRef, e: EndpointEntity): Promise<ResolvedCredential> {
    return this.resolver.resolve(ref, { host: e.host, port: e.port });
  }
}

/** Ends a client, ignoring errors (a dead server). */
export async function closeQuietly(client: pg.Client | null | undefined): Promise<void> {
  if (!client) return;
  await client.end().catch(() => undefined);
}

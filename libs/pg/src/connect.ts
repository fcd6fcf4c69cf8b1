import type { ConnectionOptions } from 'node:tls';

import type { CredentialRef, SslMode } from '@prm/contracts';
import pg from 'pg';

import { classifyPgError, type PgErrorContext } from './classify.js';
import { DeadlineError, PgConnectError, isCausedError } from './errors.js';

/** What prm needs to open a connection to an endpoint; the credential is a reference, never a password. */
export interface EndpointConnectionSpec {
  host: string;
  port: number;
  dbname: string;
  sslmode: SslMode;
  credential: CredentialRef;
}

/** The user and password for one login; lives only in memory for the duration of `openClient`. */
export interface ResolvedCredential {
  user: string;
  password: string;
}

/**
 * Turns a {@link CredentialRef} into a login. Implemented by `DefaultCredentialResolver` in libs/aws (libs/pg must
 * not depend on libs/aws). Implementations throw a `CausedError` (e.g. `CredentialError`) with a classified cause.
 */
export interface CredentialResolver {
  /** @param target host and port the credential is for (RDS IAM tokens are signed for them). */
  resolve(ref: CredentialRef, target: { host: string; port: number }): Promise<ResolvedCredential>;
  /** Drops any cached value for `ref` (called after a failed login so a rotated secret is re-read). Optional. */
  invalidate?(ref: CredentialRef): void;
}

/** Options of {@link openClient}; all durations in ms. */
export interface OpenClientOptions {
  /** `application_name`, e.g. `prm-monitor`. */
  applicationName: string;
  /** Client-side deadline for TCP + TLS + login; default 5000. */
  connectTimeoutMs?: number;
  /** `statement_timeout` sent as a startup parameter; default 5000. */
  statementTimeoutMs?: number;
  /** `lock_timeout` sent as a startup parameter; default 1000 (catalog reads queue behind ALTER SUBSCRIPTION). */
  lockTimeoutMs?: number;
  /** TCP keepalive (always on; the flag exists to make that explicit). */
  keepAlive?: true;
  /** PEM CA bundle for verify-ca / verify-full (e.g. RDS global-bundle.pem); default: Node's trust store. */
  ca?: string;
}

/** Seconds of idle before the first TCP keepalive probe. */
const KEEPALIVE_IDLE_MS = 30_000;

/**
 * Maps libpq `sslmode` to pg's `ssl` option. `prefer` maps to the `require` behaviour here; {@link openClient}
 * falls back to plain TCP when the server answers the SSLRequest with "no SSL" (pg itself has no `prefer`).
 * `allow` is not supported by prm. `verify-ca` checks the chain but not the host name, like libpq.
 */
export function sslOptionFor(mode: SslMode, ca?: string): false | ConnectionOptions {
  switch (mode) {
    case 'disable':
      return false;
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined, ...(ca ? { ca } : {}) };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  }
}

/**
 * Races `p` against a timer. The monitor wraps every poll query with it because `statement_timeout` cannot fire
 * on a half-open TCP connection (the server never sees the query). A later rejection of `p` is swallowed.
 * @param ms deadline in ms.
 * @param what what is being waited for, for the message (e.g. `poll of orders-db`).
 * @throws DeadlineError (cause code `timeout`) when the deadline passes first.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(
        new DeadlineError({
          code: 'timeout',
          message: `${what} did not finish within ${ms} ms`,
          remedy: 'The server or the network did not answer: check that the endpoint is up and reachable from prm',
        }),
      );
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        if (!done) resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (!done) reject(e);
      },
    );
  });
}

/** Tears a client down without waiting for the server (a half-open socket would never answer a Terminate). */
export function destroyClient(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
  stream?.destroy?.();
  client.end().catch(() => undefined);
}

async function connectOnce(
  spec: EndpointConnectionSpec,
  login: ResolvedCredential,
  ssl: false | ConnectionOptions,
  opts: OpenClientOptions,
): Promise<pg.Client> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  const client = new pg.Client({
    host: spec.host,
    port: spec.port,
    database: spec.dbname,
    user: login.user,
    password: login.password,
    ssl,
    application_name: opts.applicationName,
    statement_timeout: opts.statementTimeoutMs ?? 5000,
    lock_timeout: opts.lockTimeoutMs ?? 1000,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
  });
  // Without a listener, an 'error' event (e.g. the server terminating an idle session) would crash the process;
  // the failure still surfaces on the next query.
  client.on('error', () => undefined);
  try {
    await withDeadline(client.connect(), connectTimeoutMs, `connecting to ${spec.host}:${spec.port}`);
    return client;
  } catch (err) {
    destroyClient(client);
    throw err;
  }
}

/**
 * Opens a `pg.Client` to an endpoint: resolves the credential, connects with TCP keepalive, `application_name`,
 * `statement_timeout` and `lock_timeout` as startup parameters, TLS per `sslmode` (see {@link sslOptionFor}) and a
 * client-side deadline around the whole login. After a failed password login it calls `resolver.invalidate` and
 * retries once when the credential is a Secrets Manager secret (the secret may have been rotated).
 * The caller owns the client and must `end()` it.
 * @throws PgConnectError carrying the classified cause (never the password); `tls-required` when an RDS IAM
 *   credential is used with sslmode=disable.
 */
export async function openClient(
  spec: EndpointConnectionSpec,
  resolver: CredentialResolver,
  opts: OpenClientOptions,
): Promise<pg.Client> {
  const ctx: PgErrorContext = {
    host: spec.host,
    port: spec.port,
    dbname: spec.dbname,
    sslmode: spec.sslmode,
    credentialKind: spec.credential.kind,
  };
  if (spec.credential.kind === 'rds-iam' && spec.sslmode === 'disable') {
    throw new PgConnectError({
      code: 'tls-required',
      message: 'RDS IAM authentication requires TLS but the endpoint has sslmode=disable',
      remedy: 'Set sslmode=require (or verify-full with the RDS CA bundle) on this endpoint',
    });
  }
  const target = { host: spec.host, port: spec.port };
  let retried = false;
  for (;;) {
    let login: ResolvedCredential;
    try {
      login = await resolver.resolve(spec.credential, target);
    } catch (err) {
      throw new PgConnectError(classifyPgError(err, ctx));
    }
    const withUser: PgErrorContext = { ...ctx, user: login.user, secrets: [login.password] };
    try {
      const ssl = sslOptionFor(spec.sslmode, opts.ca);
      try {
        return await connectOnce(spec, login, ssl, opts);
      } catch (err) {
        const noSsl = !isCausedError(err) && err instanceof Error && /does not support SSL/i.test(err.message);
        if (spec.sslmode === 'prefer' && noSsl) return await connectOnce(spec, login, false, opts);
        throw err;
      }
    } catch (err) {
      const c = classifyPgError(err, withUser);
      if (c.code === 'auth-failed' && resolver.invalidate) {
        resolver.invalidate(spec.credential);
        if (spec.credential.kind === 'aws-secret' && !retried) {
          retried = true;
          continue;
        }
      }
      throw new PgConnectError(c);
    }
  }
}

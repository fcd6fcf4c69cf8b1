/**
 * Error → cause mapping for connections to PostgreSQL endpoints. SQLSTATEs per PostgreSQL docs "Appendix A.
 * PostgreSQL Error Codes"; Node socket codes per the `net`/`dns` docs; pg driver messages from pg/lib/client.js
 * and pg/lib/connection.js (pg 8.x).
 */
import type { CredentialKind, PgCause, PgCauseCode, SslMode } from '@prm/contracts';
import { isCausedError } from './errors.js';

/** What was being connected to, for messages and remedies; `secrets` are scrubbed from every message. */
export interface PgErrorContext {
  host?: string;
  port?: number;
  dbname?: string;
  user?: string;
  sslmode?: SslMode;
  credentialKind?: CredentialKind;
  /** Secret values (passwords, tokens) that must never appear in the message. */
  secrets?: readonly string[];
}

const REDACTED = '***';

/**
 * Removes secrets from a message: every known secret value (also percent-encoded), `password=`/`sslpassword=`
 * keyword values and URI userinfo passwords (the pg driver and libpq can echo a connection string).
 */
export function scrubSecrets(message: string, secrets: readonly string[] = []): string {
  let out = message;
  const variants = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    variants.add(s);
    variants.add(encodeURIComponent(s));
    variants.add(s.replace(/[\\']/g, (c) => `\\${c}`));
  }
  for (const v of [...variants].sort((a, b) => b.length - a.length)) out = out.split(v).join(REDACTED);
  out = out.replace(/\b(ssl)?password(\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]*)/gi, (_m, ssl: string | undefined, eq) => {
    return `${ssl ?? ''}password${eq}${REDACTED}`;
  });
  out = out.replace(/(postgres(?:ql)?:\/\/[^:@/\s]*):[^@\s]*@/gi, `$1:${REDACTED}@`);
  return out;
}

interface ErrorFacts {
  code?: string;
  sqlstate?: string;
  message: string;
}

function factsOf(err: unknown): ErrorFacts {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown; severity?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = typeof e.code === 'string' ? e.code : undefined;
  // A server ErrorResponse (pg DatabaseError) has a 5-character SQLSTATE and a severity.
  if (code && /^[0-9A-Z]{5}$/.test(code) && typeof e.severity === 'string') return { sqlstate: code, message };
  if (code) return { code, message };
  // Node 20 "happy eyeballs" (autoSelectFamily) rejects with an AggregateError of one error per address.
  if (Array.isArray(e.errors)) {
    const inner = e.errors.map(factsOf).find((f) => f.code);
    if (inner) return { code: inner.code, message: inner.message || message };
  }
  if (e.cause !== undefined && e.cause !== err) {
    const inner = factsOf(e.cause);
    if (inner.code || inner.sqlstate) return { ...inner, message: message || inner.message };
  }
  return { message };
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

function where(ctx: PgErrorContext): string {
  if (!ctx.host) return 'the server';
  return ctx.port ? `${ctx.host}:${ctx.port}` : ctx.host;
}

function q(v: string | undefined, fallback: string): string {
  return v && v.length > 0 ? v : fallback;
}

/** Builds the `pg_hba.conf` line that would admit the rejected connection (names from the server message). */
function hbaRemedy(message: string, ctx: PgErrorContext): string {
  const m = /host "([^"]*)", user "([^"]*)", database "([^"]*)"/.exec(message);
  const client = m?.[1] ?? '<client address>';
  const user = m?.[2] ?? q(ctx.user, '<user>');
  const db = m?.[3] ?? q(ctx.dbname, '<database>');
  const mask = client.includes(':') ? '/128' : /^\d+\.\d+\.\d+\.\d+$/.test(client) ? '/32' : '';
  const plain = /no encryption|SSL off/i.test(message);
  const kind = ctx.sslmode === 'disable' ? 'host' : 'hostssl';
  let remedy = `Add "${kind} ${db} ${user} ${client}${mask} scram-sha-256" to pg_hba.conf and run SELECT pg_reload_conf()`;
  if (plain) {
    remedy +=
      '; on RDS/Aurora pg_hba is managed and this message means the server only accepts TLS (rds.force_ssl=1, default from PG 15): set sslmode=require or stricter';
  }
  return remedy;
}

function cause(code: PgCauseCode, message: string, remedy: string, sqlstate?: string): PgCause {
  return sqlstate ? { code, sqlstate, message, remedy } : { code, message, remedy };
}

/**
 * Classifies an error from connecting to (or querying) a PostgreSQL endpoint into a {@link PgCause} with a one-line
 * remedy. Errors that already carry a cause (`CausedError`, e.g. a deadline or a credential failure) pass through.
 * The message is the server's or driver's, scrubbed with {@link scrubSecrets} of `ctx.secrets` and any
 * `password=`/URI password, so it can be logged and returned by the API.
 */
export function classifyPgError(err: unknown, ctx: PgErrorContext = {}): PgCause {
  const scrub = (m: string): string => scrubSecrets(m, ctx.secrets);
  if (isCausedError(err)) {
    const c = err.pgCause;
    return { ...c, message: scrub(c.message), remedy: scrub(c.remedy) };
  }
  const f = factsOf(err);
  const msg = scrub(f.message);
  const at = where(ctx);
  const user = q(ctx.user, '<user>');
  const db = q(ctx.dbname, '<database>');

  switch (f.sqlstate) {
    case '28P01': {
      const iam = ctx.credentialKind === 'rds-iam' || /PAM authentication failed/i.test(msg);
      return cause(
        'auth-failed',
        msg,
        iam
          ? `RDS IAM login refused: GRANT rds_iam TO ${user}; allow rds-db:connect on arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/${user} (the DbiResourceId, not the instance name); sign the token for this exact host, port and region`
          : `The password for "${user}" was rejected: check the credential (Secrets Manager secrets are re-read after a failed login) or reset it with ALTER ROLE ${user} PASSWORD ...`,
        f.sqlstate,
      );
    }
    case '28000':
      if (/no pg_hba\.conf entry|pg_hba\.conf rejects/i.test(msg)) {
        return cause('no-pg-hba-entry', msg, hbaRemedy(msg, ctx), f.sqlstate);
      }
      if (/role .* does not exist/i.test(msg)) {
        return cause(
          'unknown-role',
          msg,
          `Create the login role (CREATE ROLE ${user} LOGIN PASSWORD ...) or fix the user name in the credential`,
          f.sqlstate,
        );
      }
      return cause(
        'auth-failed',
        msg,
        'The server refused the login: check the role has LOGIN and the credential is correct',
        f.sqlstate,
      );
    case '3D000':
      return cause(
        'unknown-database',
        msg,
        `Database "${db}" does not exist on ${at}: fix the database name or CREATE DATABASE it`,
        f.sqlstate,
      );
    case '42501':
      return cause(
        'insufficient-privilege',
        msg,
        /permission denied for database/i.test(msg)
          ? `GRANT CONNECT ON DATABASE ${db} TO ${user}`
          : `Grant the missing privilege to ${user} (for monitoring: GRANT pg_monitor TO ${user})`,
        f.sqlstate,
      );
    case '53300':
      return cause(
        'too-many-connections',
        msg,
        'All connection slots are taken: close idle sessions (pg_stat_activity), lower pools, or raise max_connections / the role CONNECTION LIMIT',
        f.sqlstate,
      );
    case '57P03':
      return cause(
        'server-starting-or-stopping',
        msg,
        'The server is starting up, shutting down or in recovery without hot_standby: retry shortly and check the instance status',
        f.sqlstate,
      );
    case '57014':
      return cause(
        'timeout',
        msg,
        'The statement hit statement_timeout: check for a busy or blocked server (pg_stat_activity)',
        f.sqlstate,
      );
    case '55P03':
      return cause(
        'timeout',
        msg,
        'The statement waited longer than lock_timeout for a lock (often a running ALTER/DROP SUBSCRIPTION): retry once it finishes',
        f.sqlstate,
      );
    case undefined:
      break;
    default:
      return cause(
        'unknown',
        msg,
        'See the server message; the SQLSTATE is listed in PostgreSQL Appendix A',
        f.sqlstate,
      );
  }

  switch (f.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return cause(
        'dns-failure',
        `cannot resolve host ${q(ctx.host, '')}: ${msg}`.replace(/host : /, 'host: '),
        'Check the host name; for private endpoints check the VPC DNS resolution / private hosted zone (Route 53, Cloud DNS) from where prm runs',
      );
    case 'ECONNREFUSED':
      return cause(
        'connection-refused',
        `connection to ${at} refused: ${msg}`,
        'Nothing accepts connections there: check the port, the security group / firewall rule and route from prm, and listen_addresses on the server',
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return cause(
        'connection-refused',
        `${at} is unreachable: ${msg}`,
        'No route to the server: check VPC peering / routes, the security group / firewall rule, and that the instance is running',
      );
    case 'ETIMEDOUT':
      return cause(
        'timeout',
        `connection to ${at} timed out: ${msg}`,
        'Packets are dropped on the way: check the security group / firewall rule allows prm, and the route (VPC peering, PSC, NAT)',
      );
  }

  if (f.code && (TLS_CODES.has(f.code) || /^ERR_(TLS|SSL)_/.test(f.code))) {
    return cause(
      'tls-failed',
      `TLS handshake with ${at} failed: ${msg}`,
      'Install the provider CA bundle (RDS global-bundle.pem, Cloud SQL server CA) for verify-ca/verify-full, check the host name matches the certificate, or use sslmode=require',
    );
  }
  if (/does not support SSL/i.test(msg)) {
    return cause(
      'tls-required',
      `sslmode=${ctx.sslmode ?? 'require'} requires TLS but ${at} does not offer it (ssl=off)`,
      'Enable ssl on the server, or use sslmode=prefer/disable only on a trusted private network',
    );
  }
  if (/timeout expired|connection timeout|timed out/i.test(msg)) {
    return cause(
      'timeout',
      `connection to ${at} timed out: ${msg}`,
      'The server did not answer in time: check the security group / firewall rule, the route, and whether the server is overloaded',
    );
  }
  return cause('unknown', msg || 'unknown error', 'See the message; retry, and check the server log around this time');
}

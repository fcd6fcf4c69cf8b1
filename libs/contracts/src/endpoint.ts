/** Where an endpoint runs; picks provider-specific advice (e.g. `rds.logical_replication`). */
export const CLOUDS = ['aws', 'gcp', 'other'] as const;
export type Cloud = (typeof CLOUDS)[number];

/** `primary` publishes and is never a migration target by default; `replica` subscribes. */
export const ENDPOINT_ROLES = ['primary', 'replica'] as const;
export type EndpointRole = (typeof ENDPOINT_ROLES)[number];

/** libpq `sslmode` values prm accepts. */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/**
 * A reference to credentials, never the credentials themselves (prm stores no password).
 * - `aws-secret`: a Secrets Manager secret in the RDS JSON format `{username,password,...}`.
 * - `rds-iam`: RDS IAM auth, a token per connection signed for `user` in `region` (TLS required).
 * - `env`: local use only; `user` plus the name of an environment variable holding the password.
 */
export type CredentialRef =
  | { kind: 'aws-secret'; secretArn: string }
  | { kind: 'rds-iam'; user: string; region: string }
  | { kind: 'env'; user: string; passwordEnv: string };
export const CREDENTIAL_KINDS = ['aws-secret', 'rds-iam', 'env'] as const;
export type CredentialKind = CredentialRef['kind'];

/**
 * Where prm reads the endpoint's PostgreSQL server log (replication errors with the server's timestamps):
 * - `file`: a jsonlog or csvlog file on prm's host (self-managed, local), an absolute path, read incrementally;
 * - `rds`: RDS `DescribeDBLogFiles` + `DownloadDBLogFilePortion` of DB instance `instanceId` (stderr or csvlog);
 * - `cloudwatch`: CloudWatch Logs `FilterLogEvents` on `logGroup` (e.g. `/aws/rds/instance/<id>/postgresql`);
 * - `none`: no log is read; the PG15+ error counters still show that errors happened.
 */
export type LogSourceRef =
  | { kind: 'file'; path: string; format: 'jsonlog' | 'csvlog' }
  | { kind: 'rds'; instanceId: string; region: string }
  | { kind: 'cloudwatch'; logGroup: string; region: string }
  | { kind: 'none' };
export const LOG_SOURCE_KINDS = ['file', 'rds', 'cloudwatch', 'none'] as const;
export type LogSourceKind = LogSourceRef['kind'];

/** An endpoint as the API returns it (no secret material, ever). */
export interface EndpointView {
  id: string;
  name: string;
  host: string;
  port: number;
  dbname: string;
  sslmode: SslMode;
  cloud: Cloud;
  region: string | null;
  network: string | null;
  role: EndpointRole;
  credential: CredentialRef;
  /** Server log source for replication errors; `{ kind: 'none' }` unless configured. */
  logSource: LogSourceRef;
  createdAt: string;
  updatedAt: string;
}

/** Outcome of the live check run when an endpoint is saved (config service). */
export interface EndpointCheckResult {
  ok: boolean;
  /** Round-trip of `SELECT 1`-class query after login, ms. */
  rttMs: number | null;
  serverVersion: string | null;
  serverVersionNum: number | null;
  walLevel: string | null;
  /** Whether the login role can read replication catalogs and stats (pg_monitor / superuser). */
  canMonitor: boolean | null;
  /** Whether the role has REPLICATION (or rds_replication / superuser). */
  canReplicate: boolean | null;
  error: PgCause | null;
}

/**
 * A classified failure to reach or use a database or a credential store.
 * `code` is stable and machine-readable; `message` is for people and never contains a secret.
 */
export interface PgCause {
  code: PgCauseCode;
  /** SQLSTATE when the server sent one. */
  sqlstate?: string;
  message: string;
  /** What to do about it. */
  remedy: string;
  /** For AWS denials: the IAM action and resource that are missing. */
  iamAction?: string;
  iamResource?: string;
}

export type PgCauseCode =
  | 'auth-failed'
  | 'no-pg-hba-entry'
  | 'unknown-database'
  | 'unknown-role'
  | 'dns-failure'
  | 'connection-refused'
  | 'timeout'
  | 'tls-required'
  | 'tls-failed'
  | 'insufficient-privilege'
  | 'too-many-connections'
  | 'server-starting-or-stopping'
  | 'aws-access-denied'
  | 'secret-not-found'
  | 'kms-decrypt-denied'
  | 'secret-malformed'
  | 'env-credential-missing'
  | 'aws-error'
  | 'unknown';

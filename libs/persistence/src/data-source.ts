import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { EndpointStatusEntity } from './entities/endpoint-status.entity.js';
import { EndpointEntity } from './entities/endpoint.entity.js';
import { InitialSchema1764400000000 } from './migrations/1764400000000-initial-schema.js';
import { MIGRATION_RUN_ENTITIES, MIGRATION_RUN_MIGRATIONS } from './migrations-runs/migration-runs.schema.js';
import {
  REPLICATION_ERROR_ENTITIES,
  REPLICATION_ERROR_MIGRATIONS,
} from './replication-errors/replication-errors.schema.js';
import { STREAM_ENTITIES, STREAM_MIGRATIONS } from './streams/streams.schema.js';
import { PROVISIONING_ENTITIES, PROVISIONING_MIGRATIONS } from './provisioning/provisioning.schema.js';
import { ALERT_ENTITIES, ALERT_MIGRATIONS } from './alerts/alerts.schema.js';
import { AUDIT_ENTITIES, AUDIT_MIGRATIONS } from './audit/audit.schema.js';
import { type MetadataTlsSettings, explainMetadataTlsError, metadataSslConfig } from './metadata-tls.js';
import { AUTH_ENTITIES, AUTH_MIGRATIONS } from './auth/auth.schema.js';

/** Every entity of prm's metadata store. */
export const ENTITIES = [
  EndpointEntity,
  EndpointStatusEntity,
  ...STREAM_ENTITIES,
  ...REPLICATION_ERROR_ENTITIES,
  ...MIGRATION_RUN_ENTITIES,
  ...PROVISIONING_ENTITIES,
  ...ALERT_ENTITIES,
  ...AUDIT_ENTITIES,
  ...AUTH_ENTITIES,
];
/** Every migration; TypeORM orders them by the timestamp in their class name. Never `synchronize`. */
export const MIGRATIONS = [
  InitialSchema1764400000000,
  ...STREAM_MIGRATIONS,
  ...REPLICATION_ERROR_MIGRATIONS,
  ...MIGRATION_RUN_MIGRATIONS,
  ...PROVISIONING_MIGRATIONS,
  ...ALERT_MIGRATIONS,
  ...AUDIT_MIGRATIONS,
  ...AUTH_MIGRATIONS,
];

/** A fixed key for `pg_advisory_lock`, so that services starting together migrate one at a time. */
const MIGRATION_LOCK_KEY = 7_021_993_001;

/**
 * TypeORM options for prm's metadata store at `url` (a `postgres://` URL), with TLS from `tls` (see
 * {@link metadataSslConfig}; unset: the URL's `sslmode` decides). `synchronize` is off: the schema changes only
 * through {@link MIGRATIONS}.
 */
export function metadataDataSourceOptions(url: string, tls?: MetadataTlsSettings): DataSourceOptions {
  const ssl = metadataSslConfig(tls);
  return {
    type: 'postgres',
    url,
    ...(ssl === undefined ? {} : { ssl }),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    applicationName: 'prm-metadata',
    extra: { max: 10, connectionTimeoutMillis: 5000 },
  };
}

/**
 * Creates the database named in `url` when it does not exist (connects to the `postgres` database of the same
 * server, with the same TLS settings). Throws the driver's error when the server cannot be reached, a
 * MetadataTlsError when TLS fails (untrusted certificate, wrong host name, server without TLS).
 */
export async function ensureDatabase(url: string, tls?: MetadataTlsSettings): Promise<void> {
  const target = new URL(url);
  const dbname = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const ssl = metadataSslConfig(tls);
  const client = new pg.Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: 5000,
    ...(ssl === undefined ? {} : { ssl }),
  });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw explainMetadataTlsError(err, tls, target.hostname);
  }
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbname]);
    if (!rowCount) {
      // CREATE DATABASE takes no parameters: quote the identifier.
      await client.query(`CREATE DATABASE "${dbname.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently by another service
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * Runs pending migrations under a session advisory lock, so that six services starting at once do not race.
 * Returns the names of the migrations it applied.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Opens a DataSource on `url` (TLS from `tls`), creating the database and applying migrations first. */
export async function openMetadataStore(url: string, tls?: MetadataTlsSettings): Promise<DataSource> {
  await ensureDatabase(url, tls);
  const dataSource = new DataSource(metadataDataSourceOptions(url, tls));
  await dataSource.initialize();
  await runMigrations(dataSource);
  return dataSource;
}

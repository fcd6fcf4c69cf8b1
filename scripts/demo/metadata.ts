import { join } from 'node:path';
import pg from 'pg';

import { startCluster, type PgCluster } from '@prm/testing';

/** prm's metadata database for the demo: its URL and the cluster started for it, if any. */
export interface DemoMetadataStore {
  url: string;
  /** Set when no server answered the default URL and the demo started its own (stopped on exit). */
  cluster: PgCluster | null;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Connects to the server of `url` (database `postgres`) and creates the database of `url` if missing. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const dbname = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbname]);
    if (!rowCount) await client.query(`CREATE DATABASE ${quoteIdent(dbname)}`);
  } finally {
    await client.end();
  }
}

/**
 * Picks prm's metadata database: `explicitUrl` (PRM_DATABASE_URL) must work; otherwise the default
 * postgres://postgres@127.0.0.1:5432/prm is used when that server answers, and when it does not, a small
 * PostgreSQL 17 cluster is started under `baseDir` so the demo needs only Node and Redis.
 * The database is created when missing.
 * @throws the connection error when `explicitUrl` is set and does not work
 */
export async function ensureMetadataStore(
  explicitUrl: string | undefined,
  baseDir: string,
  password: string,
  log: (line: string) => void,
): Promise<DemoMetadataStore> {
  if (explicitUrl) {
    await ensureDatabase(explicitUrl);
    log(`metadata: PRM_DATABASE_URL answers (${new URL(explicitUrl).host})`);
    return { url: explicitUrl, cluster: null };
  }
  const defaultUrl = 'postgres://postgres@127.0.0.1:5432/prm';
  try {
    await ensureDatabase(defaultUrl);
    log('metadata: using postgres://postgres@127.0.0.1:5432/prm');
    return { url: defaultUrl, cluster: null };
  } catch (error: unknown) {
    log(`metadata: 127.0.0.1:5432 unusable (${(error as Error).message}); starting a PostgreSQL 17 cluster for it`);
  }
  const cluster = await startCluster({ engine: 'pg17', name: 'prm-metadata', password, baseDir: join(baseDir) });
  await cluster.createDatabase('prm');
  log(`metadata: PostgreSQL ${cluster.version} on 127.0.0.1:${cluster.port} (${cluster.startupMs} ms)`);
  return { url: cluster.url('prm'), cluster };
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Admin connection to the machine's PostgreSQL used for prm metadata test databases (trust auth). */
export function testAdminUrl(): string {
  return process.env.PRM_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** A metadata test database created by {@link createTestDatabase}. */
export interface TestDatabase {
  /** `postgres://...@127.0.0.1:5432/<name>` */
  url: string;
  name: string;
  /** `DROP DATABASE ... WITH (FORCE)` (PostgreSQL 13+); idempotent. */
  drop(): Promise<void>;
}

/** Marker stored as the database comment so the jest global setup can tell whose database it is. */
export interface TestDatabaseOwner {
  pid: number;
  createdAt: number;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testAdminUrl(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database with a unique name `prm_test_..._<pid>_<random>` on the machine's PostgreSQL
 * (`PRM_TEST_ADMIN_URL`, default postgres://postgres@127.0.0.1:5432/postgres) for prm's metadata store.
 * The name always starts with `prm_test` so the jest global setup can remove debris of crashed runs; the
 * database comment records the creating process id.
 * @param prefix lower-case letters, digits and `_`; prefixed with `prm_test_` unless it already starts with it
 * @throws the `pg` connection error when the server does not answer
 */
export async function createTestDatabase(prefix = 'prm_test'): Promise<TestDatabase> {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const base = clean.startsWith('prm_test') ? clean : `prm_test_${clean}`;
  const suffix = `_${process.pid}_${randomBytes(4).toString('hex')}`;
  const name = base.slice(0, 63 - suffix.length) + suffix;
  const owner: TestDatabaseOwner = { pid: process.pid, createdAt: Date.now() };
  await withAdmin(async (client) => {
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    await client.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(JSON.stringify(owner))}`);
  });
  const url = new URL(testAdminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(
        async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)),
      ),
  };
}

/** Whether a process with this id exists on this machine (signal 0; EPERM counts as alive). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

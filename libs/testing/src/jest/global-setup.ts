// Jest loads global setup/teardown with Node's own ESM resolver (no moduleNameMapper, no .ts), so this file
// imports only Node built-ins and packages, and hands its cleanup to global-teardown through globalThis
// (both run in the same jest parent process).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** Whether a process with this id exists on this machine (signal 0; EPERM counts as alive). */
function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Immediate shutdown (SIGQUIT, then SIGKILL after 5 s) of the postmaster named in `<dataDir>/postmaster.pid`. */
function killPostmaster(dataDir: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!isProcessAlive(pid) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')) return;
  } catch {
    return;
  }
  process.kill(pid, 'SIGQUIT');
  for (let i = 0; i < 50 && isProcessAlive(pid); i += 1) spawnSync('sleep', ['0.1']);
  if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * Removes cluster data directories under `dir` whose creating process (`prm-owner.json`, written by
 * startCluster) is gone, stopping their postmaster first. Directories of live processes are kept, so
 * concurrent test runs in the same tree do not break each other.
 * @returns the directories removed
 */
export function removeStaleClusters(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (!entry.isDirectory()) {
      if (entry.name.endsWith('.pwfile')) rmSync(path, { force: true });
      continue;
    }
    let owner: number | undefined;
    try {
      owner = (JSON.parse(readFileSync(join(path, 'prm-owner.json'), 'utf8')) as { pid: number }).pid;
    } catch {
      owner = undefined;
    }
    if (owner !== undefined && isProcessAlive(owner)) continue;
    // no owner file yet: initdb may be running for a live process (the file is written after it)
    if (owner === undefined && Date.now() - statSync(path).mtimeMs < 120_000) continue;
    killPostmaster(path);
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

/**
 * Drops `prm_test%` databases (createTestDatabase) whose creating process, recorded in the database comment,
 * is gone; without a readable comment, those nobody is connected to.
 * @returns the names dropped
 */
export async function dropStaleTestDatabases(adminUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string; comment: string | null; connections: number }>(
      `SELECT d.datname, shobj_description(d.oid, 'pg_database') AS comment,
              (SELECT count(*)::int FROM pg_stat_activity a WHERE a.datid = d.oid) AS connections
         FROM pg_database d
        WHERE d.datname LIKE 'prm\\_test%'`,
    );
    const dropped: string[] = [];
    for (const row of rows) {
      let stale: boolean;
      try {
        stale = !isProcessAlive((JSON.parse(row.comment ?? '') as { pid: number }).pid);
      } catch {
        stale = row.connections === 0;
      }
      if (!stale) continue;
      await client.query(`DROP DATABASE IF EXISTS "${row.datname.replace(/"/g, '""')}" WITH (FORCE)`);
      dropped.push(row.datname);
    }
    return dropped;
  } finally {
    await client.end();
  }
}

/** Key under which global-teardown finds the cleanup of this run. */
export const CLEANUP_KEY = Symbol.for('prm.testing.global-cleanup');

/**
 * Jest global setup: removes debris of crashed or killed runs, i.e. cluster data directories under
 * `<rootDir>/.tmp/clusters` and `prm_test%` databases on the metadata server (`PRM_TEST_ADMIN_URL`, default
 * postgres://postgres@127.0.0.1:5432/postgres) whose creating process is gone. A metadata server that does not
 * answer is reported, not fatal: tests that need it fail with their own connection error.
 */
export default async function globalSetup(globalConfig?: { rootDir?: string }): Promise<void> {
  const clustersDir = join(globalConfig?.rootDir ?? process.cwd(), '.tmp', 'clusters');
  (globalThis as unknown as Record<symbol, () => string[]>)[CLEANUP_KEY] = () => removeStaleClusters(clustersDir);
  const clusters = removeStaleClusters(clustersDir);
  let databases: string[] = [];
  try {
    databases = await dropStaleTestDatabases(
      process.env.PRM_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    );
  } catch (error: unknown) {
    console.warn(`[prm testing] could not clean stale test databases: ${String(error)}`);
  }
  if (clusters.length || databases.length) {
    console.log(`[prm testing] removed ${clusters.length} stale cluster dir(s), ${databases.length} stale database(s)`);
  }
}

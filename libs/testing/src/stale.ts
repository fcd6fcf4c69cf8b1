import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { testClustersDir } from './paths.js';
import { isProcessAlive } from './test-database.js';

// jest/global-setup.ts keeps its own copy of this logic: jest loads global setup with Node's resolver, which
// cannot import sibling .ts files. Keep the two in step.

/** Immediate shutdown (SIGQUIT, then SIGKILL after 5 s) of the postmaster named in `<dataDir>/postmaster.pid`. */
export function killPostmaster(dataDir: string): void {
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
 * Removes cluster data directories under `dir` (default `<repo>/.tmp/clusters`) whose creating process
 * (`prm-owner.json`, written by startCluster) is gone, stopping their postmaster first. Directories of live
 * processes are kept, so concurrent runs do not break each other.
 * @returns the directories removed
 */
export function removeStaleClusters(dir = testClustersDir()): string[] {
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

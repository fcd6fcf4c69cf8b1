import { spawnSync } from 'node:child_process';

import type { RunAs } from './os-user.js';

/** What the exit hook needs to stop a cluster synchronously. */
export interface LiveCluster {
  dataDir: string;
  pgCtl: string;
  runAs: RunAs;
}

interface RegistryState {
  live: Map<string, LiveCluster>;
  hooksInstalled: boolean;
}

// One registry per process, even when jest loads this module once per test file (VM modules).
const KEY = Symbol.for('prm.testing.cluster-registry');
const holder = globalThis as unknown as Record<symbol, RegistryState | undefined>;
const state: RegistryState = (holder[KEY] ??= { live: new Map(), hooksInstalled: false });

/** Records a running cluster so that {@link stopAllClustersSync} and the exit hooks can find it. */
export function trackCluster(cluster: LiveCluster): void {
  installExitHooks();
  state.live.set(cluster.dataDir, cluster);
}

/** Forgets a cluster that was stopped on purpose. */
export function untrackCluster(dataDir: string): void {
  state.live.delete(dataDir);
}

/** Data directories of the clusters this process started and has not stopped. */
export function liveClusterDirs(): string[] {
  return [...state.live.keys()];
}

/**
 * Stops every tracked cluster with `pg_ctl stop -m immediate` (synchronously, so it works inside a process
 * `exit` handler). Immediate shutdown skips the checkpoint; the data directories are throwaway.
 */
export function stopAllClustersSync(): void {
  for (const cluster of state.live.values()) stopClusterSync(cluster);
}

/** `pg_ctl stop -m immediate` of one cluster, synchronously; forgets it. */
export function stopClusterSync(cluster: LiveCluster): void {
  spawnSync(cluster.pgCtl, ['-D', cluster.dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop'], {
    ...cluster.runAs,
    stdio: 'ignore',
  });
  state.live.delete(cluster.dataDir);
}

/**
 * On `exit` always stop leftover clusters. On SIGINT/SIGTERM stop them and exit (128 + signal number), but only
 * when no one else listens for the signal: a CLI such as the demo handles signals itself and stops in order.
 */
function installExitHooks(): void {
  if (state.hooksInstalled) return;
  state.hooksInstalled = true;
  process.on('exit', stopAllClustersSync);
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    const handler = () => {
      if (process.listenerCount(signal) > 1) return;
      stopAllClustersSync();
      process.exit(code);
    };
    process.on(signal, handler);
  };
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
}

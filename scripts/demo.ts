// `make demo`: three real PostgreSQL clusters with logical replication between them, Redis, prm's metadata
// database and the all-in-one prm process, with the clusters registered as endpoints. Ctrl-C stops everything.
// Usage: node dist/scripts/demo.js [--keep-data] [--rows N] [--no-traffic]
// Env: PRM_PORT (8080), PRM_DATABASE_URL, REDIS_URL, PRM_POLL_INTERVAL_MS (5000), PRM_DEMO_DB_PASSWORD,
//      PRM_DEMO_PUBLISHER_PORT / PRM_DEMO_REPLICA_A_PORT / PRM_DEMO_REPLICA_B_PORT, PRM_DEMO_ROWS,
//      PRM_DEMO_PRM_MAIN (prm's entry point; default dist/services/all-in-one/src/main.js).
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  DEMO_PASSWORD_ENV,
  repoRoot,
  startDemoTopology,
  startDemoTraffic,
  stopAllClusters,
  type DemoTopology,
  type DemoTraffic,
} from '@prm/testing';

import { ensureMetadataStore, type DemoMetadataStore } from './demo/metadata.js';
import { portIsFree, registerEndpoint, startPrm, type PrmProcess, type RegisterResult } from './demo/prm-process.js';
import { ensureRedis, RedisUnavailableError } from './demo/redis.js';

const log = (line: string) => console.log(`[demo] ${line}`);

function intEnv(name: string, fallback?: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  return [fmt(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(fmt)].join('\n');
}

/**
 * A secret kept in `.demo/<file>` (mode 0600) so that re-runs reuse it: the admin account and the API token live in
 * the metadata database, which outlives one demo run.
 */
function demoSecret(demoDir: string, file: string, make: () => string): string {
  const path = join(demoDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return value;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      'keep-data': { type: 'boolean', default: false },
      'no-traffic': { type: 'boolean', default: false },
      rows: { type: 'string' },
    },
  });
  const root = repoRoot();
  const demoDir = join(root, '.demo');
  const clustersDir = join(demoDir, 'clusters');
  mkdirSync(clustersDir, { recursive: true });
  const mainJs = process.env.PRM_DEMO_PRM_MAIN || join(root, 'dist', 'services', 'all-in-one', 'src', 'main.js');
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run npm run build (make demo does) first`);

  const prmPort = intEnv('PRM_PORT', 8080)!;
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const pollMs = intEnv('PRM_POLL_INTERVAL_MS', 5000)!;
  if (args.rows) process.env.PRM_DEMO_ROWS = args.rows;
  const rows = intEnv('PRM_DEMO_ROWS', 2_500_000)!;
  const password = process.env[DEMO_PASSWORD_ENV] || randomBytes(12).toString('hex');
  const adminUser = process.env.PRM_ADMIN_USER || 'admin';
  const adminPassword =
    process.env.PRM_ADMIN_PASSWORD ||
    demoSecret(demoDir, 'admin-password', () => randomBytes(12).toString('base64url'));
  const apiToken =
    process.env.PRM_BOOTSTRAP_API_TOKEN ||
    demoSecret(demoDir, 'api-token', () => `prm_${randomBytes(32).toString('base64url')}`);

  let redisChild: ChildProcess | null = null;
  let metadata: DemoMetadataStore | null = null;
  let topology: DemoTopology | null = null;
  let prm: PrmProcess | null = null;
  let traffic: DemoTraffic | null = null;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) {
      log('second signal: stopping everything immediately');
      await stopAllClusters();
      redisChild?.kill('SIGKILL');
      process.exit(code);
    }
    stopping = true;
    log('stopping: traffic, prm, clusters' + (redisChild ? ', redis' : ''));
    await traffic?.stop().catch(() => undefined);
    await prm?.stop().catch(() => undefined);
    await topology?.stop({ keepData: args['keep-data'] }).catch((e: unknown) => console.error(e));
    if (metadata?.cluster) {
      await (args['keep-data'] ? metadata.cluster.stop() : metadata.cluster.destroy()).catch(() => undefined);
    }
    redisChild?.kill('SIGTERM');
    log(args['keep-data'] ? `stopped; data kept in ${clustersDir}` : 'stopped');
    process.exit(code);
  };
  // Ctrl-C is the normal way to end the demo: exit 0 once everything is stopped.
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const t0 = Date.now();
    if (!(await portIsFree(prmPort))) {
      throw new Error(`127.0.0.1:${prmPort} is already in use (another prm or demo?); stop it or set PRM_PORT`);
    }
    redisChild = await ensureRedis(redisUrl, log);
    metadata = await ensureMetadataStore(process.env.PRM_DATABASE_URL || undefined, clustersDir, password, log);
    log(`starting clusters and loading ${rows.toLocaleString('en-US')} pgbench_accounts rows…`);
    topology = await startDemoTopology({
      datasetRows: rows,
      password,
      baseDir: clustersDir,
      ports: {
        publisher: intEnv('PRM_DEMO_PUBLISHER_PORT'),
        'replica-a': intEnv('PRM_DEMO_REPLICA_A_PORT'),
        'replica-b': intEnv('PRM_DEMO_REPLICA_B_PORT'),
      },
      log,
    });
    const { timings } = topology;
    log(`clusters ${timings.clustersMs} ms, dataset ${timings.datasetMs} ms, replication ${timings.replicationMs} ms`);

    const logFile = join(demoDir, 'prm.log');
    log(`starting prm (all-in-one) on http://127.0.0.1:${prmPort}, output in ${logFile}`);
    prm = await startPrm({
      mainJs,
      cwd: root,
      port: prmPort,
      logFile,
      env: {
        ...process.env,
        PRM_PORT: String(prmPort),
        PRM_HOST: '127.0.0.1',
        PRM_DATABASE_URL: metadata.url,
        REDIS_URL: redisUrl,
        PRM_POLL_INTERVAL_MS: String(pollMs),
        [DEMO_PASSWORD_ENV]: password,
        PRM_ADMIN_USER: adminUser,
        PRM_ADMIN_PASSWORD: adminPassword,
        // the printed password is the one that works, even when the metadata DB kept the account of an earlier run
        PRM_ADMIN_PASSWORD_RESET: 'true',
        PRM_BOOTSTRAP_API_TOKEN: apiToken,
      },
    });

    const registered: RegisterResult[] = [];
    for (const payload of topology.endpoints) registered.push(await registerEndpoint(prm.baseUrl, payload, apiToken));
    if (!args['no-traffic']) {
      traffic = startDemoTraffic(topology, { onError: () => undefined });
    }

    const byName = new Map(registered.map((r) => [r.name, r]));
    const streamOf = (name: string) =>
      topology!.streams
        .filter((s) => s.subscriber === name)
        .map((s) => `${s.subscription} ← ${s.publication}`)
        .join(', ') || '(publisher: demo_pub, demo_pub_small)';
    const summary = [
      ['endpoint', 'PostgreSQL', 'address', 'role', 'cloud / region / network', 'streams', 'prm'],
      ...topology.endpoints.map((e) => {
        const c = topology!.clusters[e.name];
        const r = byName.get(e.name);
        return [
          e.name,
          `${Math.floor(c.version / 10000)}.${c.version % 100} (${c.engine})`,
          `127.0.0.1:${e.port}/${e.dbname}`,
          e.role,
          `${e.cloud} / ${e.region} / ${e.network}`,
          streamOf(e.name),
          `${r?.status === 'created' ? 'registered' : 'updated'} ${r?.id ?? ''}`.trim(),
        ];
      }),
    ];
    console.log(`\n${table(summary)}\n`);
    console.log(`prm console:   http://127.0.0.1:${prmPort}/`);
    console.log(`sign in:       ${adminUser} / ${adminPassword}   (kept in .demo/admin-password)`);
    console.log(
      `API token:     admin token in .demo/api-token (curl -H "Authorization: Bearer $(cat .demo/api-token)")`,
    );
    console.log(`API docs:      http://127.0.0.1:${prmPort}/api/docs`);
    console.log(`metadata DB:   ${new URL(metadata.url).host}${metadata.cluster ? ' (started by the demo)' : ''}`);
    console.log(`redis:         ${redisUrl}${redisChild ? ' (started by the demo)' : ''}`);
    console.log(
      `workload:      ${traffic ? 'one small transaction per second on the publisher' : 'off (--no-traffic)'}`,
    );
    console.log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s. Press Ctrl-C to stop.`);
    // Keep running until a signal arrives; if prm dies, stop everything.
    prm.child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`[demo] prm exited (code ${code}, signal ${signal}); last output:\n${prm?.tail()}`);
      void shutdown(1);
    });
  } catch (error: unknown) {
    console.error(`[demo] ${error instanceof RedisUnavailableError ? error.message : String(error)}`);
    await shutdown(1);
  }
}

await main();

/**
 * Benchmark (issue 9 item 6): an empty migration (`SELECT 1;`) across 50 replica endpoints (databases on two
 * local PG17 clusters) through the built all-in-one server: prm's time per target beyond the SQL itself.
 * Prints a table and writes the "Migration overhead" section of docs/benchmarks.md.
 *
 *   npm run build:server && node dist/bench/migration-overhead.js [runs]      (default 3 runs)
 */
import 'reflect-metadata';

import { performance } from 'node:perf_hooks';

import { NestFactory } from '@nestjs/core';
import { type MigrationRunSummary, type MigrationRunView } from '@prm/contracts';
import { EndpointRepository, PersistenceModule } from '@prm/persistence';
import { createTestDatabase, flushRedisPrefix, testRedisPrefix } from '@prm/testing';
import pg from 'pg';

import { startFleet } from './lib/fleet.js';
import { startPrmServer } from './lib/server.js';
import { measuredLine, median, ms, table, verdictBelow, writeSection } from './lib/report.js';

const TARGETS = 50;
const TARGET_MS = 50;
const log = (line: string) => console.log(`[migration-overhead] ${line}`);

async function main(): Promise<void> {
  const runs = Math.max(1, Number(process.argv[2] ?? 3) || 3);
  const header = measuredLine(`node dist/bench/migration-overhead.js${process.argv[2] ? ` ${process.argv[2]}` : ''}`);
  const fleet = await startFleet({ clusters: 2, databases: TARGETS, replicate: false, log });
  const db = await createTestDatabase('prm_test_bench_migration');
  const prefix = testRedisPrefix('bench-migration').replace(/:$/, '');
  const env = Object.fromEntries(fleet.clusters.map((c, i) => [`PRM_BENCH_PW_${i}`, c.password]));
  const server = await startPrmServer(db.url, prefix, env);
  try {
    const ctx = await NestFactory.createApplicationContext(PersistenceModule.forRoot({ url: db.url }), {
      logger: ['error'],
    });
    for (const d of fleet.dbs) {
      const ci = fleet.clusters.indexOf(d.cluster);
      await ctx.get(EndpointRepository).insert({
        name: `target-${String(d.index).padStart(2, '0')}`,
        host: '127.0.0.1',
        port: d.cluster.port,
        dbname: d.dbname,
        sslmode: 'disable',
        cloud: 'other',
        region: 'local',
        network: `cluster-${ci}`,
        role: 'replica',
        credential: { kind: 'env', user: 'postgres', passwordEnv: `PRM_BENCH_PW_${ci}` },
      });
    }
    await ctx.close();
    // The SQL itself, per target: BEGIN; SELECT 1; COMMIT on an open session; and a fresh connection (TCP + SCRAM).
    const sqlMs: number[] = [];
    const connectMs: number[] = [];
    for (const d of fleet.dbs) {
      const c0 = performance.now();
      const c = new pg.Client({ connectionString: d.cluster.url(d.dbname) });
      await c.connect();
      connectMs.push(performance.now() - c0);
      const s0 = performance.now();
      await c.query('BEGIN');
      await c.query('SELECT 1;');
      await c.query('COMMIT');
      sqlMs.push(performance.now() - s0);
      await c.end();
    }
    const sqlPerTarget = median(sqlMs);
    const rows: (string | number)[][] = [];
    const overheads: number[] = [];
    for (let i = 1; i <= runs; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.baseUrl}/api/migrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: server.authorization },
        body: JSON.stringify({ name: `empty ${i}`, sql: `SELECT 1; -- bench run ${i}\n` }),
      });
      if (res.status !== 201) throw new Error(`POST /api/migrations: ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as MigrationRunSummary;
      let run: MigrationRunView;
      for (;;) {
        run = (await (
          await fetch(`${server.baseUrl}/api/migrations/${id}`, { headers: { authorization: server.authorization } })
        ).json()) as MigrationRunView;
        if (['succeeded', 'failed', 'halted'].includes(run.status)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const clientMs = performance.now() - t0;
      const serverMs = Date.parse(run.finishedAt!) - Date.parse(run.startedAt!);
      const steps = run.steps.map((s) => s.durationMs ?? NaN);
      const overhead = serverMs / TARGETS - sqlPerTarget;
      overheads.push(overhead);
      rows.push([
        i,
        `${run.status} (${run.counts.succeeded}/${run.targetCount})`,
        ms(clientMs),
        ms(serverMs),
        `${ms(median(steps))} / ${ms(Math.max(...steps))}`,
        ms(serverMs / TARGETS),
        ms(overhead),
      ]);
      log(rows[rows.length - 1].join(' | '));
    }
    const worst = Math.max(...overheads);
    const lines = [
      header,
      '',
      `How: ${TARGETS} databases on 2 PG17 clusters registered as \`replica\` endpoints (env credentials) in a fresh ` +
        `metadata DB; the built all-in-one server runs \`POST /api/migrations\` with \`SELECT 1;\` (a new ` +
        `checksum each run, so nothing is "already applied"); the run is read back with \`GET /api/migrations/:id\` ` +
        `every 50 ms. Run time = the run's \`finishedAt − startedAt\` (server clock; targets run one after the ` +
        `other). SQL itself per target = median of \`BEGIN; SELECT 1; COMMIT\` on an open session: ` +
        `${ms(sqlPerTarget)}; a fresh connection (TCP + SCRAM, what a per-target session costs) takes ` +
        `${ms(median(connectMs))} median. Overhead per target = run time / ${TARGETS} − SQL.`,
      '',
      ...table(
        [
          'run',
          'status',
          'submit → finished (client)',
          'run time (server)',
          'step median / max',
          'per target',
          'prm overhead per target',
        ],
        rows,
      ),
      '',
      `Target < ${TARGET_MS} ms per target: ${verdictBelow(Math.round(worst * 10) / 10, TARGET_MS, 'ms')} (worst run).`,
    ];
    console.log(lines.join('\n'));
    log(`wrote ${await writeSection('## Migration overhead', lines)}`);
  } finally {
    await server.stop();
    await fleet.destroy();
    await db.drop();
    await flushRedisPrefix(`${prefix}:`).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * Benchmark (issue 9 item 1): one full status refresh of 50, 200 and 500 endpoints by the real monitor, side by
 * side with a DBA's sequential `psql` loop and the lower bound (one round trip per endpoint, all in parallel).
 * Prints tables and writes the "Poll scale" section of docs/benchmarks.md.
 *
 *   npm run build:server && node dist/bench/poll-scale.js [sizes]      (default 50,200,500)
 *
 * `PRM_BENCH_CPU_PROFILE=<dir>` also writes a V8 CPU profile of the warm refreshes of each size to that directory.
 *
 * The monitor runs in this process: MonitorModule (BullMQ worker on the real Redis, concurrency 32, default
 * connection settings) with PersistenceMonitorStore on a real metadata DB. A refresh starts when a `poll-tick` job
 * is added to the queue (what the job scheduler does every interval) and ends when the last endpoint's snapshot is
 * stored (its `status.updated` is emitted right after the upsert); streams derived after that are timed too.
 */
import 'reflect-metadata';

import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import inspector from 'node:inspector';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type CredentialRef, EventPattern, JobName, QueueName, type EndpointView } from '@prm/contracts';
import { type CredentialResolver, discoveryStatement, discoveryStatementName } from '@prm/pg';
import { EndpointRepository, PersistenceModule, StreamRepository, toEndpointView } from '@prm/persistence';
import { createTestDatabase, flushRedisPrefix, testRedisPrefix, testRedisUrl, type TestDatabase } from '@prm/testing';
import {
  MONITOR_CREDENTIALS,
  MONITOR_EVENTS,
  MONITOR_SETTINGS,
  MONITOR_STORE,
  MonitorModule,
  MonitorPollService,
  PersistenceMonitorStore,
  type MonitorSettings,
  type StatusUpdatedEvent,
} from '@prm/monitor-service';
import { type Queue } from 'bullmq';
import pg from 'pg';

import { startDeadServer, startFleet, pool, type Fleet, type FleetDb } from './lib/fleet.js';
import { countPgRoundTrips } from './lib/pg-count.js';
import { measuredLine, median, ms, table, verdictBelow, writeSection } from './lib/report.js';

const exec = promisify(execFile);
const PSQL = '/usr/bin/psql';
const WARM_RUNS = 3;
const log = (line: string) => console.log(`[poll-scale] ${line}`);

/** One measured refresh. */
interface Refresh {
  /** tick added → last snapshot stored, ms */
  storedMs: number;
  /** tick added → last poll job finished (streams derived too), ms */
  doneMs: number;
  /** last `checked_at` − tick, ms (checked_at is taken when the poll starts) */
  checkedAtMs: number;
  /** per endpoint: SQL statements sent to the endpoint, connects */
  endpointQueries: { min: number; max: number; mean: number };
  endpointConnects: number;
  metadataQueriesPerEndpoint: number;
  cpuMs: number;
  rssMb: number;
  heapMb: number;
  /** stored time of each endpoint (ms after the tick) */
  perEndpoint: Map<string, number>;
}

class Bench {
  app!: INestApplicationContext;
  queue!: Queue;
  endpoints: EndpointView[] = [];
  private waiters = new Map<string, (t: number) => void>();
  private stored = new Map<string, number>();
  private done = new Map<string, number>();
  private expected = new Set<string>();
  private resolveAll: (() => void) | null = null;
  private tick0 = 0;
  private readonly passwords = new Map<string, string>();
  readonly counter = countPgRoundTrips();

  constructor(
    readonly fleet: Fleet,
    readonly metadata: TestDatabase,
    readonly prefix: string,
  ) {
    fleet.clusters.forEach((c, i) => this.passwords.set(`BENCH_PW_${i}`, c.password));
    this.waiters.clear();
  }

  async boot(): Promise<void> {
    const resolver: CredentialResolver = {
      resolve: async (ref: CredentialRef) => {
        if (ref.kind !== 'env' || !this.passwords.has(ref.passwordEnv)) throw new Error('unknown bench credential');
        return { user: ref.user, password: this.passwords.get(ref.passwordEnv)! };
      },
    };
    const settings: MonitorSettings = { pollIntervalMs: 3_600_000, concurrency: 32 };
    const redis = new URL(testRedisUrl());
    const root: DynamicModule = {
      module: class PollScaleBench {},
      imports: [
        PersistenceModule.forRoot({ url: this.metadata.url }),
        BullModule.forRoot({
          connection: { host: redis.hostname, port: Number(redis.port || 6379), maxRetriesPerRequest: null },
          prefix: this.prefix,
        }),
        MonitorModule.register({
          providers: [
            { provide: MONITOR_STORE, useClass: PersistenceMonitorStore },
            { provide: MONITOR_EVENTS, useValue: { emit: (p: string, e: unknown) => this.onEvent(p, e) } },
            { provide: MONITOR_CREDENTIALS, useValue: resolver },
            { provide: MONITOR_SETTINGS, useValue: settings },
          ],
        }),
      ],
    };
    this.app = await NestFactory.createApplicationContext(root, { logger: ['error'] });
    await this.app.init();
    this.queue = this.app.get<Queue>(getQueueToken(QueueName.MonitorPoll));
    // Ticks are added by hand below; the scheduler's boot tick saw no endpoint.
    await this.queue.removeJobScheduler('monitor-poll-tick');
    const poll = this.app.get(MonitorPollService);
    const original = poll.pollEndpoint.bind(poll);
    poll.pollEndpoint = async (id: string) => {
      const s = await original(id);
      this.mark(this.done, id);
      return s;
    };
  }

  private onEvent(pattern: string, payload: unknown): void {
    if (pattern !== (EventPattern.StatusUpdated as string)) return;
    for (const id of (payload as StatusUpdatedEvent).endpointIds) this.mark(this.stored, id);
  }

  private mark(m: Map<string, number>, id: string): void {
    if (!this.expected.has(id) || m.has(id)) return;
    m.set(id, performance.now() - this.tick0);
    if (this.done.size === this.expected.size && this.stored.size === this.expected.size) this.resolveAll?.();
  }

  /** Registers endpoints for `dbs` (skipping those already registered). */
  async register(dbs: FleetDb[]): Promise<void> {
    const repo = this.app.get(EndpointRepository);
    const have = new Set(this.endpoints.map((e) => e.name));
    for (const d of dbs) {
      const name = `bench-${String(d.index).padStart(3, '0')}`;
      if (have.has(name)) continue;
      const ci = this.fleet.clusters.indexOf(d.cluster);
      this.endpoints.push(
        toEndpointView(
          await repo.insert({
            name,
            host: '127.0.0.1',
            port: d.cluster.port,
            dbname: d.dbname,
            sslmode: 'disable',
            cloud: 'other',
            region: 'local',
            network: `cluster-${ci}`,
            role: d.role,
            credential: { kind: 'env', user: 'postgres', passwordEnv: `BENCH_PW_${ci}` },
          }),
        ),
      );
    }
  }

  async addDead(port: number): Promise<EndpointView> {
    const e = toEndpointView(
      await this.app.get(EndpointRepository).insert({
        name: 'bench-dead',
        host: '127.0.0.1',
        port,
        dbname: 'postgres',
        sslmode: 'disable',
        cloud: 'other',
        region: 'local',
        network: 'dead',
        role: 'primary',
        credential: { kind: 'env', user: 'postgres', passwordEnv: 'BENCH_PW_0' },
      }),
    );
    this.endpoints.push(e);
    return e;
  }

  async removeEndpoint(id: string): Promise<void> {
    await this.app.get(EndpointRepository).delete(id);
    this.endpoints = this.endpoints.filter((e) => e.id !== id);
  }

  /** One refresh: adds a `poll-tick` job and waits for every endpoint's snapshot and poll job. */
  async refresh(): Promise<Refresh> {
    this.expected = new Set(this.endpoints.map((e) => e.id));
    this.stored = new Map();
    this.done = new Map();
    const all = new Promise<void>((resolve) => (this.resolveAll = resolve));
    this.counter.reset();
    const cpu0 = process.cpuUsage();
    const wall0 = Date.now();
    this.tick0 = performance.now();
    await this.queue.add(JobName.PollTick, {}, { removeOnComplete: true });
    const timeout = setTimeout(() => log(`refresh still waiting after 120 s (${this.done.size} done)`), 120_000);
    await all;
    clearTimeout(timeout);
    const cpu = process.cpuUsage(cpu0);
    const mem = process.memoryUsage();
    const endpointKeys = new Map<string, string>(this.endpoints.map((e) => [`${e.port}/${e.dbname}`, e.id]));
    const perEndpoint: number[] = [];
    let metadata = 0;
    let connects = 0;
    for (const [k, n] of this.counter.queries) {
      if (endpointKeys.has(k)) perEndpoint.push(n);
      else metadata += n;
    }
    for (const [k, n] of this.counter.connects) if (endpointKeys.has(k)) connects += n;
    const { rows } = await this.sql<{ max: Date }>(
      'SELECT max(checked_at) AS max FROM endpoint_status WHERE endpoint_id = ANY($1)',
      [[...this.expected]],
    );
    return {
      storedMs: Math.max(...this.stored.values()),
      doneMs: Math.max(...this.done.values()),
      checkedAtMs: rows[0].max.getTime() - wall0,
      endpointQueries: {
        min: Math.min(...perEndpoint),
        max: Math.max(...perEndpoint),
        mean: perEndpoint.reduce((a, b) => a + b, 0) / Math.max(1, perEndpoint.length),
      },
      endpointConnects: connects,
      metadataQueriesPerEndpoint: metadata / this.expected.size,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssMb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      perEndpoint: new Map(this.stored),
    };
  }

  private async sql<T extends pg.QueryResultRow>(text: string, params: unknown[]): Promise<pg.QueryResult<T>> {
    const c = new pg.Client({ connectionString: this.metadata.url });
    await c.connect();
    try {
      return await c.query<T>(text, params);
    } finally {
      await c.end();
    }
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

/**
 * Opt-in (`PRM_BENCH_CPU_PROFILE=<dir>`): V8 CPU profile of this process (the monitor) over a stretch of the run,
 * written as `<dir>/<name>.cpuprofile` (open in Chrome DevTools) by `stop`.
 */
async function startCpuProfile(): Promise<{ stop(name: string): Promise<string> }> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop(name: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      session.disconnect();
      const dir = process.env.PRM_BENCH_CPU_PROFILE!;
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${name}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      return file;
    },
  };
}

/**
 * Lower bound: persistent raw pg clients, the discovery statement on all of them at once. One untimed run first
 * warms each new backend's catalog caches, as the cold refresh does for prm's sessions before its warm refreshes.
 */
async function lowerBound(
  dbs: FleetDb[],
  statement: { name: string; text: string },
): Promise<{ connectMs: number; runs: number[] }> {
  const t0 = performance.now();
  const clients = await pool(dbs, 50, async (d) => {
    const c = new pg.Client({ connectionString: d.cluster.url(d.dbname) });
    await c.connect();
    return c;
  });
  const connectMs = performance.now() - t0;
  const runs: number[] = [];
  try {
    await Promise.all(clients.map((c) => c.query(statement)));
    for (let i = 0; i < WARM_RUNS; i++) {
      const s = performance.now();
      await Promise.all(clients.map((c) => c.query(statement)));
      runs.push(performance.now() - s);
    }
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  return { connectMs, runs };
}

/** What a DBA scripts: `for db in …; do psql -c "<same statement>"; done`, one at a time. */
async function psqlLoop(dbs: FleetDb[], statement: string): Promise<number> {
  const t0 = performance.now();
  for (const d of dbs) {
    await exec(
      PSQL,
      [
        '-X',
        '-q',
        '-A',
        '-t',
        '-h',
        '127.0.0.1',
        '-p',
        String(d.cluster.port),
        '-U',
        'postgres',
        '-d',
        d.dbname,
        '-c',
        statement,
      ],
      { env: { ...process.env, PGPASSWORD: d.cluster.password }, maxBuffer: 16 * 2 ** 20 },
    );
  }
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '50,200,500')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const largest = Math.max(...sizes);
  const command = `node dist/bench/poll-scale.js${process.argv[2] ? ` ${process.argv[2]}` : ''}`;
  const header = measuredLine(command);
  const fleet = await startFleet({ clusters: 4, databases: largest, log });
  const metadata = await createTestDatabase('prm_test_bench_poll');
  const prefix = testRedisPrefix('bench-poll').replace(/:$/, '');
  const dead = await startDeadServer();
  const bench = new Bench(fleet, metadata, prefix);
  const rows: (string | number)[][] = [];
  const costRows: (string | number)[][] = [];
  let deadLine = '';
  let at200: { prm: number; psql: number; lowerBound: number } | null = null;
  try {
    await bench.boot();
    const version = fleet.clusters[0].version;
    const statement = discoveryStatement(version);
    // prm keeps it prepared on each session; so does the lower bound (the warm-up run prepares it)
    const prepared = { name: discoveryStatementName(version), text: statement };
    for (const n of sizes) {
      const dbs = fleet.dbs.slice(0, n);
      await bench.register(dbs);
      const cold = await bench.refresh();
      log(`${n}: cold refresh ${ms(cold.storedMs)} (${cold.endpointConnects} connects)`);
      const warm: Refresh[] = [];
      const profiler = process.env.PRM_BENCH_CPU_PROFILE ? await startCpuProfile() : null;
      for (let i = 0; i < WARM_RUNS; i++) warm.push(await bench.refresh());
      if (profiler) log(`${n}: CPU profile of the warm refreshes: ${await profiler.stop(`poll-scale-${n}-warm`)}`);
      const w = warm.map((r) => r.storedMs);
      const med = warm[w.indexOf(median(w))];
      log(`${n}: warm refreshes ${w.map(ms).join(', ')}`);
      const lb = await lowerBound(dbs, prepared);
      log(`${n}: lower bound ${lb.runs.map(ms).join(', ')} (connect ${ms(lb.connectMs)})`);
      const loop = await psqlLoop(dbs, statement);
      log(`${n}: psql loop ${ms(loop)}`);
      if (n === 200) at200 = { prm: med.storedMs, psql: loop, lowerBound: median(lb.runs) };
      rows.push([
        n,
        ms(med.storedMs),
        ms(med.doneMs),
        ms(cold.storedMs),
        ms(median(lb.runs)),
        ms(loop),
        `${(loop / med.storedMs).toFixed(1)}×`,
      ]);
      costRows.push([
        n,
        `${med.endpointQueries.min}–${med.endpointQueries.max} (cold ${cold.endpointQueries.min}–${cold.endpointQueries.max}, ${cold.endpointConnects} connects)`,
        med.metadataQueriesPerEndpoint.toFixed(1),
        `${ms(med.cpuMs)} (${ms(med.cpuMs / n)}/endpoint)`,
        `${med.rssMb.toFixed(0)} MB / ${med.heapMb.toFixed(0)} MB`,
        ms(med.checkedAtMs),
      ]);
      if (n === 200 || (n === sizes[sizes.length - 1] && deadLine === '')) {
        const deadEndpoint = await bench.addDead(dead.port);
        const r = await bench.refresh();
        const others = [...r.perEndpoint].filter(([id]) => id !== deadEndpoint.id).map(([, t]) => t);
        const deadMs = r.perEndpoint.get(deadEndpoint.id) ?? NaN;
        deadLine =
          `With a dead endpoint added to the ${n} (TCP accepts, never answers): the ${n} others stored in ` +
          `${ms(Math.max(...others))} (without it: ${ms(med.storedMs)}); the dead one's snapshot ` +
          `(\`unreachable\`) after ${ms(deadMs)} (connect deadline 5 s), holding one of the 32 worker slots meanwhile.`;
        log(deadLine);
        await bench.removeEndpoint(deadEndpoint.id);
      }
    }
    const streams = (await bench.app.get(StreamRepository).list()).length;
    const lines = [
      header,
      '',
      `How: ${fleet.clusters.length} PG17 clusters (\`startCluster\`, max_connections 400) holding ${largest} databases ` +
        `(round robin); even databases publish table \`t\` (\`pub_<i>\`), odd ones subscribe to the previous database ` +
        `on the next cluster (\`sub_<i>\`, real slot, apply worker running): ${streams} streams discovered. ` +
        `Fleet set-up took ${(fleet.setupMs / 1000).toFixed(0)} s. The monitor runs in-process: MonitorModule's BullMQ ` +
        `worker (real Redis, concurrency 32, default connection settings: connect deadline 5 s) and ` +
        `PersistenceMonitorStore (real metadata DB on the machine's PG15; endpoint list kept in memory between ticks, ` +
        `metadata statements of concurrent polls grouped). A refresh = a \`poll-tick\` job added to ` +
        `\`monitor-poll\` → fan-out → one \`poll-endpoint\` job per endpoint; timed until the last snapshot is stored ` +
        `(its \`status.updated\` follows the upsert) and until the last job finished (stream derivation included). ` +
        `Warm = persistent sessions already open, median of ${WARM_RUNS}; cold = first refresh after the endpoints ` +
        `were registered (connect + SCRAM + table-size query). Lower bound: one raw \`pg.Client\` per database, ` +
        `connected beforehand, the same discovery statement on all at once, prepared on each session as prm does ` +
        `(one untimed warm-up run, then median of ` +
        `${WARM_RUNS}). psql loop: ` +
        `\`/usr/bin/psql -X -At -c '<same discovery statement>'\` per database, one after the other (new process + ` +
        `connection each time, as a cron script would). Statements counted by wrapping \`pg.Client.prototype.query\` ` +
        `in-process (one \`query()\` = one round trip); CPU = \`process.cpuUsage()\` of the monitor process over the ` +
        `refresh, memory = RSS / heap used after it.`,
      '',
      ...table(
        [
          'endpoints',
          'prm refresh (warm, stored)',
          'prm, streams derived too',
          'prm cold',
          'lower bound',
          'psql loop',
          'prm vs psql',
        ],
        rows,
      ),
      '',
      ...table(
        [
          'endpoints',
          'SQL round trips per endpoint per poll',
          'metadata-DB queries per endpoint',
          'monitor CPU per refresh',
          'RSS / heap',
          'last checked_at − tick',
        ],
        costRows,
      ),
      '',
      deadLine,
      '',
      at200
        ? `Targets at 200 endpoints: refresh < 1 s: ${verdictBelow(Math.round(at200.prm), 1000, 'ms')}; ≥ 10× faster than ` +
          `the psql loop: ${at200.psql / at200.prm >= 10 ? 'met' : '**missed**'} (${(at200.psql / at200.prm).toFixed(1)}×). ` +
          `What bounds the refresh: the lower bound (the same statement on all 200 open sessions at once, no prm) took ` +
          `${ms(at200.lowerBound)} in this run${at200.lowerBound >= 1000 ? ', itself over the 1 s target' : ''}; prm's ` +
          `refresh is ${(at200.prm / at200.lowerBound).toFixed(1)}× it (32 polls at a time, each also storing its ` +
          `snapshot and deriving its streams).`
        : '',
    ];
    console.log(lines.join('\n'));
    log(`wrote ${await writeSection('## Poll scale', lines)}`);
  } finally {
    await bench.close().catch(() => undefined);
    await dead.close();
    await fleet.destroy();
    await metadata.drop();
    await flushRedisPrefix(`${prefix}:`).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Server, type Socket, createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { JobName, QueueName } from '@prm/contracts';
import { parseRedisUrl } from '@prm/messaging';
import { EndpointStatusRepository, MigrationRunRepository, openMetadataStore } from '@prm/persistence';
import {
  type DemoTopology,
  type PgCluster,
  type TestDatabase,
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  freePort,
  startCluster,
  startDemoTopology,
  testRedisUrl,
  TEST_AUTH_HEADER,
  testAuthEnv,
} from '@prm/testing';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';

const run = promisify(execFile);
const ROOT = process.cwd();
const SERVICES = ['gateway', 'config', 'monitor', 'migrator', 'provisioner', 'alerter'] as const;
const mainOf = (service: string) => resolve(ROOT, `dist/services/${service}/src/main.js`);

/** A service started from dist as a child process, with its output collected. */
interface Child {
  process: ChildProcess;
  port: number;
  output: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

function startChild(service: string, env: Record<string, string>, port: number): Child {
  let out = '';
  const p = spawn(process.execPath, [mainOf(service)], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PRM_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((res) => p.once('exit', (code, signal) => res(code ?? signal ?? -1)));
  return { process: p, port, output: () => out, exited };
}

async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: TEST_AUTH_HEADER, ...headers } });
}

async function waitReady(child: Child, timeoutMs = 60_000): Promise<void> {
  await expectEventually(
    async () => {
      const r = await get(child.port, '/health/ready').catch(() => null);
      expect(r?.status).toBe(200);
    },
    { timeoutMs, intervalMs: 200, message: `not ready; output:\n${child.output()}` },
  );
}

/** SIGTERM, then the exit code and how long it took, ms. */
async function sigterm(child: Child): Promise<{ code: number | string; ms: number }> {
  const t0 = Date.now();
  child.process.kill('SIGTERM');
  const code = await Promise.race([child.exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 15_000))]);
  return { code, ms: Date.now() - t0 };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

// Issue 8 acceptance with the built services (`npm run build:server` in beforeAll) as child processes, on the real
// metadata PostgreSQL and Redis: configuration errors, health/metrics per service, SIGTERM mid-job, correlation ids.
describe('operability of the built services (child processes, PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const prefix = `prmtest_ops_${process.pid}_${randomBytes(3).toString('hex')}`;
  const passwordEnv = `PRM_TEST_PW_${randomBytes(3).toString('hex').toUpperCase()}`;
  const children: Child[] = [];
  const connection = { ...parseRedisUrl(testRedisUrl()), maxRetriesPerRequest: null };
  const baseEnv = () => ({
    ...testAuthEnv(),
    PRM_DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    PRM_REDIS_PREFIX: prefix,
  });
  const start = async (service: string, env: Record<string, string> = {}) => {
    const child = startChild(service, { ...baseEnv(), ...env }, await freePort());
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    const [, d] = await Promise.all([
      run('npm', ['run', 'build:server'], { cwd: ROOT }),
      createTestDatabase('prm_test_ops'),
    ]);
    db = d;
    ds = await openMetadataStore(db.url);
  }, 240_000);

  afterAll(async () => {
    for (const c of children) c.process.kill('SIGKILL');
    await ds?.destroy();
    await db?.drop();
    await flushRedisPrefix(prefix);
  });

  it('a wrong value stops start-up of every service with the variable name', async () => {
    const cases: [string, string, string][] = [
      ['gateway', 'PRM_BULL_BOARD', 'yes'],
      ['config', 'PRM_BOOTSTRAP_SSM_PATH', 'relative/path'],
      ['monitor', 'PRM_CLOUDWATCH_METRICS', 'maybe'],
      ['migrator', 'PRM_MIGRATION_JOB_LOCK_MS', 'abc'],
      ['provisioner', 'PRM_PROVISIONING_LEASE_MS', '10'],
      ['alerter', 'PRM_PORT', '99999'],
      ['all-in-one', 'PRM_SHUTDOWN_TIMEOUT_MS', 'soon'],
    ];
    const results = await Promise.all(
      cases.map(async ([service, variable, value]) => {
        const child = startChild(service, { ...baseEnv(), [variable]: value }, await freePort());
        const code = await child.exited;
        return { service, variable, code, line: child.output().trim().split('\n').pop() ?? '' };
      }),
    );
    for (const r of results) console.log(`bad env: ${r.service} exit ${r.code}: ${r.line}`);
    for (const r of results) {
      expect(r.code).toBe(1);
      expect(r.line).toMatch(new RegExp(`^prm: start-up failed: invalid environment: .*${r.variable}: `));
    }
  }, 60_000);

  it('every standalone service answers /health/live, /health/ready and /metrics, and exits on SIGTERM', async () => {
    for (const service of SERVICES) {
      const child = await start(service);
      await waitReady(child);
      const live = await get(child.port, '/health/live');
      const ready = (await (await get(child.port, '/health/ready')).json()) as { info: Record<string, unknown> };
      const metrics = await (await get(child.port, '/metrics')).text();
      expect(live.status).toBe(200);
      expect(Object.keys(ready.info).sort()).toEqual(['metadata_db', 'queue_workers', 'redis']);
      expect(metrics).toContain('process_cpu_user_seconds_total');
      expect(metrics).toContain('prm_http_requests_total{method="GET",route="/health/ready",status="200"}');
      const stop = await sigterm(child);
      console.log(
        `${service}: ready ${JSON.stringify(ready.info.queue_workers)}; SIGTERM → exit ${stop.code} in ${stop.ms} ms`,
      );
      expect(stop.code).toBe(0);
      expect(stop.ms).toBeLessThan(10_000);
    }
  }, 180_000);

  describe('SIGTERM mid-job', () => {
    let blackhole: Server;
    const sockets: Socket[] = [];
    let cluster: PgCluster;
    let queue: Queue;

    beforeAll(async () => {
      // Accepts TCP and never answers: a poll of this endpoint stays in its connect deadline (5 s).
      blackhole = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
      cluster = await startCluster({ engine: 'pg17', name: 'opsig' });
      for (const name of ['app_1', 'app_2']) await cluster.createDatabase(name);
    }, 120_000);

    afterAll(async () => {
      for (const s of sockets) s.destroy();
      blackhole?.close();
      await queue?.close();
      await cluster?.destroy();
    });

    it('monitor: the poll under way finishes, nothing is left active, failed or queued twice', async () => {
      const port = (blackhole.address() as { port: number }).port;
      const [{ id }] = (await ds.query(
        `INSERT INTO endpoint (name, host, port, dbname, sslmode, cloud, role, credential)
         VALUES ('blackhole', '127.0.0.1', $1, 'x', 'disable', 'other', 'replica', $2::jsonb) RETURNING id`,
        [port, JSON.stringify({ kind: 'env', user: 'postgres', passwordEnv })],
      )) as { id: string }[];
      queue = new Queue(QueueName.MonitorPoll, { connection, prefix });
      // The scheduler's first tick comes at start, the next one 10 minutes later: one poll-endpoint job.
      const monitor = await start('monitor', { PRM_POLL_INTERVAL_MS: '600000', [passwordEnv]: 'unused' });
      // the endpoint's poll is under way (not just the tick that fans it out: stopping then leaves the poll waiting)
      await expectEventually(
        async () => expect((await queue.getJobs(['active'])).map((j) => j.name)).toContain(JobName.PollEndpoint),
        { timeoutMs: 60_000, intervalMs: 50, message: monitor.output() },
      );
      const stop = await sigterm(monitor);
      const counts = await queue.getJobCounts('active', 'waiting', 'failed', 'delayed');
      const status = await new EndpointStatusRepository(ds).findByEndpoint(id);
      await ds.query('DELETE FROM endpoint WHERE id = $1', [id]);
      console.log(
        `monitor SIGTERM mid-poll → exit ${stop.code} in ${stop.ms} ms; queue ${JSON.stringify(counts)}; ` +
          `endpoint status ${status?.reachability} (${status?.lastError?.code}), consecutiveFailures ${status?.consecutiveFailures}`,
      );
      expect(stop.code).toBe(0);
      expect(stop.ms).toBeLessThan(10_000);
      expect(monitor.output()).toContain('closing workers of monitor-poll');
      // Not lost: the poll that was under way completed and stored its result once; not duplicated: nothing
      // active, waiting or failed remains (the next tick is the scheduler's, delayed).
      expect(status?.reachability).toBe('unreachable');
      expect(status?.consecutiveFailures).toBe(1);
      expect(counts).toMatchObject({ active: 0, waiting: 0, failed: 0 });
      await queue.removeJobScheduler('monitor-poll-tick');
    }, 120_000);

    it('migrator: the target under way completes, the run stays running with its job waiting, a restart finishes it once; one correlation id from the HTTP line to the worker lines', async () => {
      const targets: string[] = [];
      for (const [i, name] of ['app_1', 'app_2'].entries()) {
        const [{ id }] = (await ds.query(
          `INSERT INTO endpoint (name, host, port, dbname, sslmode, cloud, role, credential)
           VALUES ($1, '127.0.0.1', $2, $3, 'disable', 'other', 'replica', $4::jsonb) RETURNING id`,
          [`mig-${i + 1}`, cluster.port, name, JSON.stringify({ kind: 'env', user: 'postgres', passwordEnv })],
        )) as { id: string }[];
        targets.push(id);
      }
      const migrations = new Queue(QueueName.Migrations, { connection, prefix });
      const env = { [passwordEnv]: cluster.password, PRM_MIGRATION_JOB_LOCK_MS: '3000' };
      const gateway = await start('gateway', { PRM_HOST: '127.0.0.1', PRM_CONSOLE_DIR: resolve(ROOT, '.tmp/none') });
      let migrator = await start('migrator', env);
      await Promise.all([waitReady(gateway), waitReady(migrator)]);

      const correlationId = `ops-test-${randomBytes(4).toString('hex')}`;
      const sql =
        "SELECT pg_sleep(CASE WHEN current_database() = 'app_1' THEN 3 ELSE 0 END);\n" +
        'CREATE TABLE sigterm_safe (id int);\n';
      const res = await fetch(`http://127.0.0.1:${gateway.port}/api/migrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': correlationId, authorization: TEST_AUTH_HEADER },
        body: JSON.stringify({ name: 'sigterm test', sql, targets }),
      });
      expect(res.status).toBe(201);
      const runId = ((await res.json()) as { id: string }).id;
      const runs = new MigrationRunRepository(ds);
      await expectEventually(
        async () => expect((await runs.findById(runId))!.steps.map((s) => s.status)).toEqual(['running', 'pending']),
        { timeoutMs: 30_000, intervalMs: 50, message: migrator.output() },
      );
      const stop = await sigterm(migrator);
      const mid = (await runs.findById(runId))!;
      const jobState = await (await migrations.getJob(runId))?.getState();
      console.log(
        `migrator SIGTERM mid-target → exit ${stop.code} in ${stop.ms} ms; run ${mid.status}, steps ` +
          `${mid.steps.map((s) => s.status).join(',')}; job ${jobState}`,
      );
      expect(stop.code).toBe(0);
      expect(stop.ms).toBeLessThan(10_000);
      expect(mid.status).toBe('running');
      expect(mid.steps.map((s) => s.status)).toEqual(['succeeded', 'pending']);
      expect(jobState).toBe('waiting');
      const firstOutput = migrator.output();

      migrator = await start('migrator', env);
      const done = await expectEventually(
        async () => {
          const r = (await runs.findById(runId))!;
          expect(r.status).toBe('succeeded');
          return r;
        },
        { timeoutMs: 60_000, intervalMs: 200, message: migrator.output() },
      );
      expect(done.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
      expect(done.steps[0].startedAt).toBe(mid.steps[0].startedAt); // target 1 not run again
      for (const name of ['app_1', 'app_2']) {
        const history = await cluster.query('SELECT run_id::text FROM prm.migration_history', [], name);
        expect(history).toEqual([{ run_id: runId }]);
      }
      const completedJob = await migrations.getJob(runId);
      console.log(`after restart: run ${done.status}; job ${await completedJob?.getState()}`);

      // Correlation: the gateway's HTTP line and the migrators' worker lines carry the same id.
      const httpLine = jsonLines(gateway.output()).find(
        (l) => (l.req as { id?: string } | undefined)?.id === correlationId && l.msg === 'request completed',
      );
      const workerLines = jsonLines(firstOutput + migrator.output()).filter((l) => l.correlationId === correlationId);
      console.log('HTTP line:', JSON.stringify({ req: httpLine?.req, correlationId: httpLine?.correlationId }));
      for (const l of workerLines.slice(0, 4)) console.log('worker line:', JSON.stringify(l));
      expect(httpLine?.correlationId).toBe(correlationId);
      expect(workerLines.some((l) => String(l.msg).includes(`migration run ${runId}: job started`))).toBe(true);
      expect(workerLines.some((l) => String(l.msg).includes('interrupted by shutdown'))).toBe(true);
      expect(workerLines.some((l) => String(l.msg).includes('job finished (succeeded)'))).toBe(true);
      await sigterm(gateway);
      await sigterm(migrator);
      await migrations.close();
    }, 180_000);
  });

  it('/metrics of the all-in-one exposes the named series after a short run on a real topology', async () => {
    let demo: DemoTopology | null = null;
    try {
      demo = await startDemoTopology({ datasetRows: 2000, waitForSync: true });
      const aio = await start('all-in-one', {
        PRM_HOST: '127.0.0.1',
        PRM_POLL_INTERVAL_MS: '1000',
        PRM_CONSOLE_DIR: resolve(ROOT, '.tmp/none'),
        PRM_DEMO_PASSWORD: demo.password,
      });
      await waitReady(aio);
      for (const e of demo.endpoints) {
        const body = { ...e, credential: { kind: 'env', user: 'postgres', passwordEnv: 'PRM_DEMO_PASSWORD' } };
        const r = await fetch(`http://127.0.0.1:${aio.port}/api/endpoints?force=true`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: TEST_AUTH_HEADER },
          body: JSON.stringify(body),
        });
        expect([200, 201]).toContain(r.status);
      }
      const text = await expectEventually(
        async () => {
          const t = await (await get(aio.port, '/metrics')).text();
          expect(t).toMatch(
            /^prm_stream_lag_bytes\{stream="replica_a_sub",source="publisher",target="replica-a"\} \d+/m,
          );
          expect(t).toMatch(
            /^prm_stream_lag_seconds\{stream="replica_b_sub",source="publisher",target="replica-b"\} /m,
          );
          return t;
        },
        { timeoutMs: 90_000, intervalMs: 500, message: aio.output().slice(-4000) },
      );
      const named = text
        .split('\n')
        .filter((l) =>
          /^(prm_poll_duration_seconds_count|prm_endpoint_reachable|prm_stream_lag_|prm_queue_depth\{queue="monitor-poll"|prm_http_requests_total\{method="POST")/.test(
            l,
          ),
        );
      for (const l of named) console.log(`metrics: ${l}`);
      for (const e of ['publisher', 'replica-a', 'replica-b']) {
        expect(text).toContain(`prm_endpoint_reachable{endpoint="${e}"} 1`);
        expect(text).toMatch(new RegExp(`^prm_poll_duration_seconds_count\\{endpoint="${e}"\\} [1-9]`, 'm'));
      }
      expect(text).toMatch(/^prm_queue_depth\{queue="monitor-poll",state="waiting"\} \d+/m);
      expect(text).toMatch(/^prm_http_requests_total\{method="POST",route="\/api\/endpoints",status="201"\} 3/m);
      const stop = await sigterm(aio);
      expect(stop.code).toBe(0);
    } finally {
      await demo?.stop();
    }
  }, 300_000);
});

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ProvisioningRunView } from '@prm/contracts';
import { openMetadataStore } from '@prm/persistence';
import {
  type PgCluster,
  type TestDatabase,
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  freePort,
  startCluster,
  testRedisUrl,
} from '@prm/testing';
import type { DataSource } from 'typeorm';

// One correlation id from the gateway's HTTP line to the provisioner's lines: the built gateway and provisioner
// (`npm run build:server` in beforeAll) run as child processes on the real metadata PostgreSQL and Redis; a stream is
// created between two PostgreSQL 17 clusters with `x-request-id` set, and the id must appear on the gateway's
// request line, on the provisioner's RPC line (it recorded the run), on the worker's job lines and on the saga's
// lines. Same pattern as the migrator's check in libs/observability/src/operability.int-spec.ts.

const run = promisify(execFile);
const ROOT = process.cwd();

interface Child {
  process: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | string>;
}

function startChild(service: string, env: Record<string, string>, port: number): Child {
  let out = '';
  const p = spawn(process.execPath, [resolve(ROOT, `dist/services/${service}/src/main.js`)], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PRM_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((res) => p.once('exit', (code, signal) => res(code ?? signal ?? -1)));
  return { process: p, port, output: () => out, exited };
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

describe('provisioning correlation ids (gateway and provisioner as child processes, PostgreSQL 17, Redis)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let source: PgCluster;
  let target: PgCluster;
  const children: Child[] = [];
  const prefix = `prmtest_provcorr_${process.pid}_${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    const [, d, s, t] = await Promise.all([
      run('npm', ['run', 'build:server'], { cwd: ROOT }),
      createTestDatabase('prm_test_provcorr'),
      startCluster({ engine: 'pg17', name: 'corrsrc' }),
      startCluster({ engine: 'pg17', name: 'corrdst' }),
    ]);
    [db, source, target] = [d, s, t];
    ds = await openMetadataStore(db.url);
    for (const c of [source, target]) await c.query('CREATE TABLE orders (id int PRIMARY KEY, item text)');
    await source.query("INSERT INTO orders SELECT g, 'widget' FROM generate_series(1, 20) g");
  }, 240_000);

  afterAll(async () => {
    for (const c of children) c.process.kill('SIGKILL');
    await ds?.destroy();
    await db?.drop();
    await Promise.all([source?.destroy(), target?.destroy()]);
    await flushRedisPrefix(prefix);
  });

  it('carries the HTTP request id through the bus, the BullMQ job and the saga, into both services’ log lines', async () => {
    const endpoint = async (name: string, c: PgCluster, role: string, passwordEnv: string) => {
      const [{ id }] = (await ds.query(
        `INSERT INTO endpoint (name, host, port, dbname, sslmode, cloud, role, credential)
         VALUES ($1, '127.0.0.1', $2, 'postgres', 'disable', 'other', $3, $4::jsonb) RETURNING id`,
        [name, c.port, role, JSON.stringify({ kind: 'env', user: 'postgres', passwordEnv })],
      )) as { id: string }[];
      return id;
    };
    const sourceId = await endpoint('corr-src', source, 'primary', 'PW_SRC');
    const targetId = await endpoint('corr-dst', target, 'replica', 'PW_DST');
    const env = { PRM_DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), PRM_REDIS_PREFIX: prefix };
    // an admin API token stored by the gateway at start (the gateway's sign-in, see services/gateway/src/auth)
    const token = `prm_${randomBytes(32).toString('base64url')}`;
    const auth = { authorization: `Bearer ${token}` };
    const gateway = startChild(
      'gateway',
      { ...env, PRM_HOST: '127.0.0.1', PRM_CONSOLE_DIR: resolve(ROOT, '.tmp/none'), PRM_BOOTSTRAP_API_TOKEN: token },
      await freePort(),
    );
    const provisioner = startChild(
      'provisioner',
      { ...env, PW_SRC: source.password, PW_DST: target.password },
      await freePort(),
    );
    children.push(gateway, provisioner);
    for (const child of [gateway, provisioner]) {
      await expectEventually(
        async () => {
          const r = await fetch(`http://127.0.0.1:${child.port}/health/ready`).catch(() => null);
          expect(r?.status).toBe(200);
        },
        { timeoutMs: 60_000, intervalMs: 200, message: `not ready; output:\n${child.output()}` },
      );
    }

    const correlationId = `prov-corr-${randomBytes(4).toString('hex')}`;
    const res = await fetch(`http://127.0.0.1:${gateway.port}/api/streams`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-request-id': correlationId },
      body: JSON.stringify({
        sourceEndpointId: sourceId,
        targetEndpointId: targetId,
        replicationCredential: { kind: 'env', user: 'postgres', passwordEnv: 'PW_SRC' },
        tables: ['public.orders'],
        subscriptionName: 'corr_orders',
      }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe(correlationId);
    const runId = ((await res.json()) as ProvisioningRunView).id;
    const done = await expectEventually(
      async () => {
        const r = (await (
          await fetch(`http://127.0.0.1:${gateway.port}/api/provisioning/runs/${runId}`, { headers: auth })
        ).json()) as ProvisioningRunView;
        expect(['succeeded', 'failed', 'rolled-back']).toContain(r.state);
        return r;
      },
      { timeoutMs: 90_000, intervalMs: 250, message: provisioner.output().slice(-4000) },
    );
    expect(done.state).toBe('succeeded');
    // the saga's last line is written just after the run is stored as succeeded
    await expectEventually(
      async () => expect(provisioner.output()).toContain(`run ${runId} (create) ended: succeeded`),
      { timeoutMs: 10_000, intervalMs: 100 },
    );

    const httpLine = jsonLines(gateway.output()).find(
      (l) => (l.req as { id?: string } | undefined)?.id === correlationId && l.msg === 'request completed',
    );
    const provisionerLines = jsonLines(provisioner.output()).filter((l) => l.correlationId === correlationId);
    console.log('gateway line:', JSON.stringify({ req: httpLine?.req, correlationId: httpLine?.correlationId }));
    for (const l of provisionerLines) {
      console.log(
        'provisioner line:',
        JSON.stringify({ context: l.context, msg: l.msg, correlationId: l.correlationId }),
      );
    }
    expect(httpLine?.correlationId).toBe(correlationId);
    expect(httpLine?.service).toBe('gateway');
    const messages = provisionerLines.map((l) => String(l.msg));
    const expected = [
      `provisioning run ${runId} (create corr_orders) recorded via api, job enqueued`, // RPC handler
      `provisioning run ${runId}: job started`, // BullMQ worker
      `run ${runId} (create corr_orders) started`, // saga
      `run ${runId} (create) ended: succeeded`, // saga
      `provisioning run ${runId}: job finished (executed)`, // BullMQ worker
    ];
    for (const m of expected) expect(messages).toContain(m);
    expect(provisionerLines.every((l) => l.service === 'provisioner')).toBe(true);
    // no line of this run was written under another id
    const otherIds = jsonLines(provisioner.output())
      .filter((l) => String(l.msg).includes(runId) && l.correlationId !== correlationId)
      .map((l) => `${String(l.correlationId)}: ${String(l.msg)}`);
    expect(otherIds).toEqual([]);

    for (const child of [gateway, provisioner]) child.process.kill('SIGTERM');
    expect(await Promise.all([gateway.exited, provisioner.exited])).toEqual([0, 0]);
  }, 180_000);
});

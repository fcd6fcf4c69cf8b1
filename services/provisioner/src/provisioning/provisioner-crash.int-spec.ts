import { jest } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EndpointView, ProvisioningRunView } from '@prm/contracts';
import {
  type PgCluster,
  type TestDatabase,
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  freePort,
  startCluster,
  TEST_AUTH_HEADER,
  testAuthEnv,
} from '@prm/testing';
import request from 'supertest';

// SIGKILL of the process running the saga right after CREATE SUBSCRIPTION created the slot on the source; after a
// restart the recovery finds the run (its lease expired), rolls it back, and no orphaned slot, subscription or
// publication remains. Runs the built all-in-one server (`npm run build:server`) as a child process; the pause
// comes from the documented test hook PRM_TEST_PAUSE_AFTER_STEP / PRM_TEST_PAUSE_FILE (inert unless both are set).
jest.setTimeout(180_000);

const MAIN = resolve('dist/services/all-in-one/src/main.js');

async function catalogs(c: PgCluster): Promise<Record<string, string[]>> {
  const rows = await c.query<{ pubs: string[]; subs: string[]; slots: string[] }>(
    `SELECT ARRAY(SELECT pubname::text FROM pg_publication ORDER BY 1) AS pubs,
            ARRAY(SELECT subname::text FROM pg_subscription ORDER BY 1) AS subs,
            ARRAY(SELECT slot_name::text FROM pg_replication_slots ORDER BY 1) AS slots`,
  );
  return rows[0];
}

(existsSync(MAIN) ? describe : describe.skip)(
  'provisioner killed mid-saga (built all-in-one as a child process)',
  () => {
    let src: PgCluster;
    let dst: PgCluster;
    let db: TestDatabase;
    let child: ChildProcess | null = null;
    const prefix = `prmtest_crash_${process.pid}_${randomBytes(3).toString('hex')}`;
    const pauseFile = join(tmpdir(), `prm-pause-${prefix}`);
    let env: Record<string, string>;
    let http: ReturnType<typeof request.agent>;

    async function startChild(): Promise<void> {
      child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: 'ignore' });
      await expectEventually(() => http.get('/api/endpoints').expect(200), { timeoutMs: 60_000, intervalMs: 250 });
    }

    beforeAll(async () => {
      [src, dst] = await Promise.all([
        startCluster({ engine: 'pg17', name: 'crash-src' }),
        startCluster({ engine: 'pg15', name: 'crash-dst' }),
      ]);
      for (const c of [src, dst]) await c.query('CREATE TABLE items (id int PRIMARY KEY, v text)');
      await src.query(`INSERT INTO items SELECT g, 'x' FROM generate_series(1, 1000) g`);
      db = await createTestDatabase('prm_test_crash');
      const port = await freePort();
      env = {
        ...testAuthEnv(),
        PRM_DATABASE_URL: db.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        PRM_REDIS_PREFIX: prefix,
        PRM_PORT: String(port),
        PRM_HOST: '127.0.0.1',
        PRM_POLL_INTERVAL_MS: '1000',
        PRM_PROVISIONING_LEASE_MS: '2000',
        PRM_PROVISIONING_RECOVERY_INTERVAL_MS: '500',
        PRM_TEST_PAUSE_AFTER_STEP: 'create-subscription',
        PRM_TEST_PAUSE_FILE: pauseFile,
        LOG_LEVEL: 'silent',
        PW_SRC: src.password,
        PW_DST: dst.password,
      };
      http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
      await startChild();
    });

    afterAll(async () => {
      child?.kill('SIGKILL');
      rmSync(pauseFile, { force: true });
      await Promise.all([src?.destroy(), dst?.destroy()]);
      await db?.drop();
      await flushRedisPrefix(prefix);
    });

    it('rolls the run back after a restart: no orphaned slot, subscription or publication', async () => {
      const add = async (name: string, c: PgCluster, pw: string, role: string): Promise<EndpointView> =>
        (
          await http
            .post('/api/endpoints')
            .send({
              name,
              host: '127.0.0.1',
              port: c.port,
              dbname: 'postgres',
              sslmode: 'disable',
              cloud: 'other',
              role,
              credential: { kind: 'env', user: 'postgres', passwordEnv: pw },
            })
            .expect(201)
        ).body as EndpointView;
      const s = await add('crash-src', src, 'PW_SRC', 'primary');
      const d = await add('crash-dst', dst, 'PW_DST', 'replica');
      const before = [await catalogs(src), await catalogs(dst)];
      writeFileSync(pauseFile, 'pause');
      const res = await http
        .post('/api/streams')
        .send({
          sourceEndpointId: s.id,
          targetEndpointId: d.id,
          replicationCredential: { kind: 'env', user: 'postgres', passwordEnv: 'PW_SRC' },
          subscriptionName: 'crash_sub',
        })
        .expect(202);
      const id = (res.body as ProvisioningRunView).id;
      await expectEventually(
        async () => {
          const run = (await http.get(`/api/provisioning/runs/${id}`).expect(200)).body as ProvisioningRunView;
          expect(run.steps.find((x) => x.name === 'create-subscription')?.state).toBe('done');
        },
        { timeoutMs: 60_000 },
      );
      expect((await catalogs(src)).slots).toContain('crash_sub');
      child?.kill('SIGKILL');
      await new Promise((r) => child?.once('exit', r));
      rmSync(pauseFile);
      await startChild();
      const run = await expectEventually(
        async () => {
          const r = (await http.get(`/api/provisioning/runs/${id}`).expect(200)).body as ProvisioningRunView;
          expect(r.state).toBe('rolled-back');
          return r;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(run.error?.message).toContain('the provisioner stopped during this run');
      expect([await catalogs(src), await catalogs(dst)]).toEqual(before);
    });
  },
);

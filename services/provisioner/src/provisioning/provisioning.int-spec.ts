import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { EndpointView, PreflightReport, ProvisioningRunView, SourceTableView } from '@prm/contracts';
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
import { startAllInOne } from '../../../all-in-one/src/bootstrap.js';
import pg from 'pg';
import request from 'supertest';

// Stream provisioning through the whole app in one process (gateway → Redis bus → provisioner → BullMQ saga) on
// real clusters: PostgreSQL 17 and 15 in both directions, each failure class leaving every catalog as it was, a
// target lost mid-saga (rolled back once it is back), idempotency, remove/pause/resume and credential rotation.
jest.setTimeout(180_000);

const TERMINAL = ['succeeded', 'failed', 'rolled-back', 'rollback-pending'];

/** Publications, subscriptions and replication slots of one cluster, sorted. */
async function catalogs(c: PgCluster): Promise<Record<string, string[]>> {
  const rows = await c.query<{ pubs: string[]; subs: string[]; slots: string[] }>(
    `SELECT ARRAY(SELECT pubname::text FROM pg_publication ORDER BY 1) AS pubs,
            ARRAY(SELECT subname::text FROM pg_subscription ORDER BY 1) AS subs,
            ARRAY(SELECT slot_name::text FROM pg_replication_slots ORDER BY 1) AS slots`,
  );
  return { pubs: rows[0].pubs, subs: rows[0].subs, slots: rows[0].slots };
}

describe('stream provisioning (real PostgreSQL 17 and 15, Redis)', () => {
  let pg17: PgCluster;
  let pg15: PgCluster;
  let walReplica: PgCluster;
  let oneSlot: PgCluster;
  let db: TestDatabase;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  const prefix = `prmtest_prov_${process.pid}_${randomBytes(3).toString('hex')}`;
  const pauseFile = join(tmpdir(), `prm-pause-${prefix}`);
  const ep: Record<string, EndpointView> = {};
  const rotPassword = randomBytes(12).toString('hex');

  async function meta<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  const envRef = (name: string) => ({ kind: 'env', user: 'postgres', passwordEnv: name });

  async function addEndpoint(name: string, c: PgCluster, env: string, role: 'primary' | 'replica'): Promise<void> {
    const res = await http
      .post('/api/endpoints')
      .send({
        name,
        host: '127.0.0.1',
        port: c.port,
        dbname: 'postgres',
        sslmode: 'disable',
        cloud: 'other',
        role,
        credential: envRef(env),
      })
      .expect(201);
    ep[name] = res.body as EndpointView;
  }

  async function waitRun(id: string, states = TERMINAL): Promise<ProvisioningRunView> {
    return expectEventually(
      async () => {
        const run = (await http.get(`/api/provisioning/runs/${id}`).expect(200)).body as ProvisioningRunView;
        expect(states).toContain(run.state);
        return run;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
  }

  beforeAll(async () => {
    [pg17, pg15, walReplica, oneSlot] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'prov17' }),
      startCluster({ engine: 'pg15', name: 'prov15' }),
      startCluster({ engine: 'pg17', name: 'provwal', settings: { wal_level: 'replica' } }),
      startCluster({ engine: 'pg15', name: 'provslot', settings: { max_replication_slots: '1' } }),
    ]);
    for (const c of [pg17, pg15, walReplica, oneSlot]) {
      await c.query(`CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL, qty int);
                     CREATE TABLE notes (body text);
                     CREATE TABLE only_here (id int PRIMARY KEY);
                     CREATE TABLE shape (id int PRIMARY KEY, amount numeric(10,2));
                     CREATE TABLE flow_a (id int PRIMARY KEY, v text);
                     CREATE TABLE flow_b (id int PRIMARY KEY, v text);
                     CREATE TABLE lost (id int PRIMARY KEY, v text);`);
    }
    await pg17.query('INSERT INTO orders SELECT g, $1, g FROM generate_series(1, 100) g', ['widget']);
    await pg17.query(
      `CREATE ROLE repl_rot LOGIN REPLICATION PASSWORD '${rotPassword}'; GRANT SELECT ON orders TO repl_rot`,
    );
    await pg15.query('DROP TABLE only_here; ALTER TABLE shape ALTER COLUMN amount TYPE text');
    await oneSlot.query(`SELECT pg_create_logical_replication_slot('someone_elses', 'pgoutput')`);
    db = await createTestDatabase('prm_test_prov');
    writeFileSync(pauseFile, ''); // removed right away; re-created by the mid-saga test
    rmSync(pauseFile);
    const port = await freePort();
    app = await startAllInOne({
      ...testAuthEnv(),
      PRM_DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_POLL_INTERVAL_MS: '1000',
      PRM_PROVISIONING_RECOVERY_INTERVAL_MS: '500',
      PRM_PROVISIONING_LEASE_MS: '3000',
      PRM_PROVISIONING_WAIT_MS: '30000',
      PRM_TEST_PAUSE_AFTER_STEP: 'create-subscription',
      PRM_TEST_PAUSE_FILE: pauseFile,
      LOG_LEVEL: 'silent',
      PW_17: pg17.password,
      PW_15: pg15.password,
      PW_WAL: walReplica.password,
      PW_SLOT: oneSlot.password,
      PW_WRONG: 'not-the-password',
      PW_ROT: rotPassword,
    });
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
    await addEndpoint('src17', pg17, 'PW_17', 'primary');
    await addEndpoint('dst15', pg15, 'PW_15', 'replica');
    await addEndpoint('walrep', walReplica, 'PW_WAL', 'primary');
    await addEndpoint('oneslot', oneSlot, 'PW_SLOT', 'primary');
  });

  afterAll(async () => {
    rmSync(pauseFile, { force: true });
    await app?.close();
    await Promise.all([pg17, pg15, walReplica, oneSlot].map((c) => c?.destroy()));
    await db?.drop();
    await flushRedisPrefix(prefix);
  });

  it('lists the source tables live with size, primary key and replica identity', async () => {
    const tables = (await http.get(`/api/endpoints/${ep.src17.id}/tables`).expect(200)).body as SourceTableView[];
    const orders = tables.find((t) => t.qualified === 'public.orders');
    const notes = tables.find((t) => t.qualified === 'public.notes');
    expect(orders).toMatchObject({ hasPrimaryKey: true, replicable: true, replicaIdentity: 'default' });
    expect(orders?.sizeBytes).toBeGreaterThan(0);
    expect(notes).toMatchObject({ hasPrimaryKey: false, replicable: false });
  });

  it('runs a read-only preflight (catalogs unchanged) with pass/warn/fail and fixes', async () => {
    const before = [await catalogs(pg17), await catalogs(pg15)];
    const relsBefore = await pg17.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_class');
    const report = (
      await http
        .post('/api/streams/preflight')
        .send({
          sourceEndpointId: ep.src17.id,
          targetEndpointId: ep.dst15.id,
          replicationCredential: envRef('PW_17'),
          tables: ['public.orders', 'public.notes', 'public.only_here', 'public.shape'],
        })
        .expect(200)
    ).body as PreflightReport;
    const by = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(report.ok).toBe(false);
    expect(by['source-wal-level'].outcome).toBe('pass');
    expect(by['replica-identity']).toMatchObject({ outcome: 'warn' });
    expect(by['replica-identity'].detail).toContain('public.notes');
    expect(by['target-tables']).toMatchObject({ outcome: 'fail' });
    expect(by['target-tables'].detail).toContain('public.only_here');
    expect(by['target-columns'].detail).toContain(
      'public.shape.amount is numeric(10,2) on the source, text on the target',
    );
    expect(by['target-columns'].fix).toBeTruthy();
    expect(report.notes.join(' ')).toMatch(/sequences and DDL .* are not replicated/);
    expect(report.names.subscription).toBe('prm_src17_to_dst15');
    expect([await catalogs(pg17), await catalogs(pg15)]).toEqual(before);
    expect(await pg17.query('SELECT count(*)::int AS n FROM pg_class')).toEqual(relsBefore);
  });

  it('creates a stream 17 → 15 through the saga; rows flow; the same Idempotency-Key gives the same run', async () => {
    const body = {
      sourceEndpointId: ep.src17.id,
      targetEndpointId: ep.dst15.id,
      replicationCredential: envRef('PW_17'),
      tables: ['public.orders'],
      subscriptionName: 'orders_17_to_15',
      publicationName: 'orders_pub',
      options: { copyData: true, streaming: 'on', disableOnError: false },
    };
    const first = await http.post('/api/streams').set('Idempotency-Key', `k-${prefix}`).send(body).expect(202);
    const again = await http.post('/api/streams').set('Idempotency-Key', `k-${prefix}`).send(body).expect(200);
    expect((again.body as ProvisioningRunView).id).toBe((first.body as ProvisioningRunView).id);
    const run = await waitRun((first.body as ProvisioningRunView).id);
    expect(run.state).toBe('succeeded');
    expect(run.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
      'preflight:done',
      'create-publication:done',
      'create-subscription:done',
      'wait-for-sync:done',
      'record-stream:done',
    ]);
    expect(run.steps[2].created).toMatchObject({ subscription: 'orders_17_to_15', slot: 'orders_17_to_15' });
    expect(run.streamId).toBeTruthy();
    await expectEventually(async () => {
      const rows = await pg15.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
      expect(rows[0].n).toBe(100);
    });
    await pg17.query(`INSERT INTO orders VALUES (1001, 'new on the source', 1)`);
    await expectEventually(async () => {
      expect(await pg15.query('SELECT item FROM orders WHERE id = 1001')).toEqual([{ item: 'new on the source' }]);
    });
    const streams = await meta<{ n: number }>(
      `SELECT count(*)::int AS n FROM stream WHERE subscription_name = 'orders_17_to_15' AND origin = 'provisioned'`,
    );
    expect(streams[0].n).toBe(1);
    expect(JSON.stringify(run)).not.toContain(pg17.password);
    // a second create of the same name with another key is refused by the preflight (name clash), nothing changes
    const before = [await catalogs(pg17), await catalogs(pg15)];
    const clash = await http.post('/api/streams').set('Idempotency-Key', `k2-${prefix}`).send(body).expect(202);
    const failed = await waitRun((clash.body as ProvisioningRunView).id);
    expect(failed.state).toBe('failed');
    expect(failed.error?.step).toBe('preflight');
    expect(failed.preflight?.checks.find((c) => c.id === 'subscription-name')?.outcome).toBe('fail');
    expect([await catalogs(pg17), await catalogs(pg15)]).toEqual(before);
  });

  it('pauses, resumes, rotates the replication credential (the apply worker reconnects) and removes the stream', async () => {
    const streamId = (
      await meta<{ id: string }>(`SELECT id FROM stream WHERE subscription_name = 'orders_17_to_15'`)
    )[0].id;
    const pause = await http.post(`/api/streams/${streamId}/pause`).expect(202);
    expect((await waitRun((pause.body as ProvisioningRunView).id)).state).toBe('succeeded');
    expect(await pg15.query(`SELECT subenabled FROM pg_subscription WHERE subname = 'orders_17_to_15'`)).toEqual([
      { subenabled: false },
    ]);
    const resume = await http.post(`/api/streams/${streamId}/resume`).expect(202);
    expect((await waitRun((resume.body as ProvisioningRunView).id)).state).toBe('succeeded');
    // the same secret again: nothing to change
    const same = await http.post(`/api/streams/${streamId}/rotate-credentials`).send({}).expect(202);
    const unchanged = await waitRun((same.body as ProvisioningRunView).id);
    expect(unchanged.steps[0].created).toMatchObject({ verified: 'connection unchanged' });
    // a new replication login: ALTER SUBSCRIPTION ... CONNECTION, and the apply worker reconnects with it
    const rotate = await http
      .post(`/api/streams/${streamId}/rotate-credentials`)
      .send({ replicationCredential: { kind: 'env', user: 'repl_rot', passwordEnv: 'PW_ROT' } })
      .expect(202);
    const rotated = await waitRun((rotate.body as ProvisioningRunView).id);
    expect(rotated.state).toBe('succeeded');
    await expectEventually(async () => {
      const rows = await pg17.query<{ usename: string }>(
        `SELECT usename::text FROM pg_stat_replication WHERE application_name = 'orders_17_to_15'`,
      );
      expect(rows).toEqual([{ usename: 'repl_rot' }]);
    });
    expect(rotated.steps[0].created).toHaveProperty('applyPid');
    expect(rotated.steps[0].created['applyPid']).not.toBe(rotated.steps[0].created['previousPid']);
    const remove = await http.delete(`/api/streams/${streamId}?dropPublication=true`).expect(202);
    expect((await waitRun((remove.body as ProvisioningRunView).id)).state).toBe('succeeded');
    expect((await catalogs(pg15)).subs).not.toContain('orders_17_to_15');
    expect((await catalogs(pg17)).slots).not.toContain('orders_17_to_15');
    expect((await catalogs(pg17)).pubs).not.toContain('orders_pub');
    expect(await meta('SELECT id FROM stream WHERE id = $1', [streamId])).toEqual([]);
  });

  it('creates a stream 15 → 17 (all defaults, copy off) and rows flow', async () => {
    await addEndpoint('src15', pg15, 'PW_15', 'primary');
    await addEndpoint('dst17', pg17, 'PW_17', 'replica');
    const res = await http
      .post('/api/streams')
      .send({
        sourceEndpointId: ep.src15.id,
        targetEndpointId: ep.dst17.id,
        replicationCredential: envRef('PW_15'),
        tables: ['public.flow_a'],
        options: { copyData: false },
      })
      .expect(202);
    const run = await waitRun((res.body as ProvisioningRunView).id);
    expect(run.state).toBe('succeeded');
    expect(run.subscriptionName).toBe('prm_src15_to_dst17');
    await pg15.query(`INSERT INTO flow_a VALUES (1, 'from 15')`);
    await expectEventually(async () => {
      expect(await pg17.query('SELECT v FROM flow_a')).toEqual([{ v: 'from 15' }]);
    });
  });

  describe('failure classes leave pg_publication, pg_subscription and pg_replication_slots as they were', () => {
    const cases: [string, () => Record<string, unknown>, string, () => PgCluster][] = [
      [
        'wrong credentials',
        () => ({ sourceEndpointId: ep.src17.id, replicationCredential: envRef('PW_WRONG'), tables: ['public.flow_b'] }),
        'replication-login',
        () => pg17,
      ],
      [
        'source wal_level=replica',
        () => ({ sourceEndpointId: ep.walrep.id, replicationCredential: envRef('PW_WAL'), tables: ['public.flow_b'] }),
        'source-wal-level',
        () => walReplica,
      ],
      [
        'no free replication slot',
        () => ({
          sourceEndpointId: ep.oneslot.id,
          replicationCredential: envRef('PW_SLOT'),
          tables: ['public.flow_b'],
        }),
        'source-replication-slots',
        () => oneSlot,
      ],
      [
        'table missing on the target',
        () => ({ sourceEndpointId: ep.src17.id, replicationCredential: envRef('PW_17'), tables: ['public.only_here'] }),
        'target-tables',
        () => pg17,
      ],
      [
        'column mismatch',
        () => ({ sourceEndpointId: ep.src17.id, replicationCredential: envRef('PW_17'), tables: ['public.shape'] }),
        'target-columns',
        () => pg17,
      ],
    ];
    it.each(cases)('%s', async (_name, body, check, source) => {
      const before = [await catalogs(source()), await catalogs(pg15)];
      const res = await http
        .post('/api/streams')
        .send({ targetEndpointId: ep.dst15.id, subscriptionName: 'fail_case', ...body() })
        .expect(202);
      const run = await waitRun((res.body as ProvisioningRunView).id);
      expect(run.state).toBe('failed');
      expect(run.error).toMatchObject({ step: 'preflight' });
      expect(run.error?.remedy).toBeTruthy();
      const c = run.preflight?.checks.find((x) => x.id === check);
      expect(c?.outcome).toBe('fail');
      expect(c?.fix).toBeTruthy();
      expect([await catalogs(source()), await catalogs(pg15)]).toEqual(before);
    });

    it('the wal_level fix names the provider setting', async () => {
      const run = (
        await http
          .post('/api/streams/preflight')
          .send({
            sourceEndpointId: ep.walrep.id,
            targetEndpointId: ep.dst15.id,
            replicationCredential: envRef('PW_WAL'),
            tables: ['public.flow_b'],
          })
          .expect(200)
      ).body as PreflightReport;
      expect(run.checks.find((c) => c.id === 'source-wal-level')?.fix).toContain("wal_level = 'logical'");
    });

    it('target unreachable mid-saga: rolled back (slot dropped at once, subscription once the target is back)', async () => {
      const before = [await catalogs(pg17), await catalogs(pg15)];
      writeFileSync(pauseFile, 'pause');
      const res = await http
        .post('/api/streams')
        .send({
          sourceEndpointId: ep.src17.id,
          targetEndpointId: ep.dst15.id,
          replicationCredential: envRef('PW_17'),
          tables: ['public.lost'],
          subscriptionName: 'lost_sub',
        })
        .expect(202);
      const id = (res.body as ProvisioningRunView).id;
      await expectEventually(
        async () => {
          const run = (await http.get(`/api/provisioning/runs/${id}`).expect(200)).body as ProvisioningRunView;
          expect(run.steps.find((s) => s.name === 'create-subscription')?.state).toBe('done');
        },
        { timeoutMs: 30_000 },
      );
      expect((await catalogs(pg17)).slots).toContain('lost_sub');
      await pg15.stop();
      rmSync(pauseFile);
      const pending = await waitRun(id, ['rollback-pending']);
      expect(pending.error?.step).toBe('wait-for-sync');
      expect((await catalogs(pg17)).slots).not.toContain('lost_sub');
      await pg15.start();
      const done = await waitRun(id, ['rolled-back']);
      expect(done.state).toBe('rolled-back');
      expect([await catalogs(pg17), await catalogs(pg15)]).toEqual(before);
    });
  });
});

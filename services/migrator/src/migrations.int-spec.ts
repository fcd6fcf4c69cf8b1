import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { EndpointView, MigrationPreview, MigrationRunSummary, MigrationRunView } from '@prm/contracts';
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
import { startAllInOne } from '../../all-in-one/src/bootstrap.js';

// Issue 5 acceptance on real servers: the whole app in one process (gateway + migrator + BullMQ on real Redis)
// against two clusters (PG17 and PG15) holding four endpoint databases: three replicas and one primary.
describe('migrations across replicas (real PostgreSQL 17 + 15, Redis)', () => {
  let pg17: PgCluster;
  let pg15: PgCluster;
  let db: TestDatabase;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  const prefix = `prmtest_mig_${process.pid}_${randomBytes(3).toString('hex')}`;
  const pw17 = `PRM_TEST_PW17_${randomBytes(3).toString('hex').toUpperCase()}`;
  const pw15 = `PRM_TEST_PW15_${randomBytes(3).toString('hex').toUpperCase()}`;
  const ep: Record<string, EndpointView> = {};
  /** Endpoint name → [cluster, database]. */
  let where: Record<string, [PgCluster, string]>;

  const catalogColumns = async (name: string, table: string): Promise<string[]> => {
    const [c, d] = where[name];
    const rows = await c.query<{ attname: string }>(
      `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [table],
      d,
    );
    return rows.map((r) => r.attname);
  };
  const historyOf = async (name: string): Promise<{ checksum: string; run_id: string }[]> => {
    const [c, d] = where[name];
    const exists = await c.query<{ t: string | null }>(`SELECT to_regclass('prm.migration_history')::text AS t`, [], d);
    if (!exists[0].t) return [];
    return c.query(`SELECT checksum, run_id::text FROM prm.migration_history ORDER BY applied_at`, [], d);
  };
  const waitFinished = (id: string): Promise<MigrationRunView> =>
    expectEventually(
      async () => {
        const run = (await http.get(`/api/migrations/${id}`).expect(200)).body as MigrationRunView;
        expect(['succeeded', 'failed', 'halted']).toContain(run.status);
        return run;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: `run ${id} did not finish` },
    );

  beforeAll(async () => {
    [pg17, pg15] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'mig17' }),
      startCluster({ engine: 'pg15', name: 'mig15' }),
    ]);
    await Promise.all([
      pg17.createDatabase('app_primary'),
      pg17.createDatabase('app_r1'),
      pg15.createDatabase('app_r2'),
      pg15.createDatabase('app_r3'),
    ]);
    where = {
      'a-replica': [pg17, 'app_r1'],
      'b-replica': [pg15, 'app_r2'],
      'c-replica': [pg15, 'app_r3'],
      'z-primary': [pg17, 'app_primary'],
    };
    for (const [c, d] of Object.values(where)) {
      await c.query('CREATE TABLE orders (id int PRIMARY KEY, total numeric)', [], d);
    }
    db = await createTestDatabase('prm_test_mig');
    const port = await freePort();
    app = await startAllInOne({
      ...testAuthEnv(),
      PRM_DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_POLL_INTERVAL_MS: '60000',
      LOG_LEVEL: 'silent',
      [pw17]: pg17.password,
      [pw15]: pg15.password,
    });
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
    for (const [name, [c, d]] of Object.entries(where)) {
      const res = await http
        .post('/api/endpoints')
        .send({
          name,
          host: '127.0.0.1',
          port: c.port,
          dbname: d,
          sslmode: 'disable',
          cloud: 'other',
          role: name.endsWith('primary') ? 'primary' : 'replica',
          credential: { kind: 'env', user: 'postgres', passwordEnv: c === pg17 ? pw17 : pw15 },
        })
        .expect(201);
      ep[name] = res.body as EndpointView;
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all([pg17?.destroy(), pg15?.destroy()]);
    await db?.drop();
    await flushRedisPrefix(prefix);
  });

  it('previews: statements with lines and classes, replicas in name order, no primary', async () => {
    const res = await http
      .post('/api/migrations/preview')
      .send({ name: 'preview', sql: '-- add\nALTER TABLE orders ADD COLUMN note text;\n\nDROP TABLE IF EXISTS old;' })
      .expect(200);
    const p = res.body as MigrationPreview;
    expect(p.targets.map((t) => t.name)).toEqual(['a-replica', 'b-replica', 'c-replica']);
    expect(p.statements.map((s) => [s.startLine, s.classification, s.reason])).toEqual([
      [2, 'additive', 'ADD COLUMN'],
      [4, 'destructive', 'DROP TABLE'],
    ]);
    expect(p.nonTransactional).toBe(false);
    expect(p.checksum).toMatch(/^[0-9a-f]{64}$/);
    // A primary needs includePrimaries.
    const refused = await http
      .post('/api/migrations/preview')
      .send({ name: 'p', sql: 'SELECT 1', targets: [ep['z-primary'].id] })
      .expect(400);
    expect(JSON.stringify(refused.body)).toContain('z-primary is a primary');
  });

  it('refuses invalid UTF-8 bytes, transaction control and unterminated quotes with 400', async () => {
    const bad = Buffer.from([0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0x27, 0xc3, 0x28, 0x27]); // SELECT '\xc3('
    const res = await http
      .post('/api/migrations/preview?name=upload')
      .set('Content-Type', 'application/sql')
      .send(bad)
      .expect(400);
    expect(res.body.message).toBe('the script is not valid UTF-8');
    const ok = await http
      .post('/api/migrations/preview?name=upload')
      .set('Content-Type', 'text/plain')
      .send(Buffer.from("SELECT 'é';", 'utf8'))
      .expect(200);
    expect((ok.body as MigrationPreview).statements).toHaveLength(1);
    await http.post('/api/migrations').send({ name: 'tx', sql: 'BEGIN; SELECT 1; COMMIT;' }).expect(400);
    const unterminated = await http
      .post('/api/migrations')
      .send({ name: 'q', sql: "SELECT 1;\nSELECT 'x" })
      .expect(400);
    expect(unterminated.body.message).toContain('line 2');
  });

  it('adds a column and an index on the three replicas in order, not on the primary; 3 succeeded', async () => {
    const sql = 'ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_note_idx ON orders (note);\n';
    const sub = (await http.post('/api/migrations').send({ name: 'add note', sql }).expect(201))
      .body as MigrationRunSummary;
    expect(sub.actor).toBe('system (token bootstrap)'); // the caller, as the audit log names it
    const run = await waitFinished(sub.id);
    console.log(
      'acceptance 1:',
      run.steps
        .map(
          (s) =>
            `${s.position} ${s.endpointName} ${s.status} ${s.durationMs}ms ${s.statementsRun}/${s.statementsTotal}`,
        )
        .join(' | '),
    );
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.endpointName, s.status, s.statementsRun])).toEqual([
      ['a-replica', 'succeeded', 2],
      ['b-replica', 'succeeded', 2],
      ['c-replica', 'succeeded', 2],
    ]);
    // In order: each target started after the previous one finished.
    for (let i = 1; i < 3; i++) {
      expect(Date.parse(run.steps[i].startedAt!)).toBeGreaterThanOrEqual(Date.parse(run.steps[i - 1].finishedAt!));
    }
    for (const name of ['a-replica', 'b-replica', 'c-replica']) {
      expect(await catalogColumns(name, 'orders')).toEqual(['id', 'total', 'note']);
      expect((await historyOf(name)).map((h) => h.run_id)).toEqual([run.id]);
    }
    expect(await catalogColumns('z-primary', 'orders')).toEqual(['id', 'total']);
    expect(await historyOf('z-primary')).toEqual([]);
    // A re-run of the same script: already applied everywhere, nothing runs twice.
    const again = await waitFinished(
      (
        (await http.post('/api/migrations').send({ name: 'add note again', sql }).expect(201))
          .body as MigrationRunSummary
      ).id,
    );
    expect(again.steps.map((s) => s.status)).toEqual(['already-applied', 'already-applied', 'already-applied']);
    expect(again.counts['already-applied']).toBe(3);
    const md = await http.get(`/api/migrations/${run.id}/report.md`).expect(200);
    expect(md.headers['content-disposition']).toContain('attachment');
    expect(md.text).toContain('| 3 | c-replica | succeeded |');
    const json = await http.get(`/api/migrations/${run.id}/report.json`).expect(200);
    expect(JSON.parse(json.text).counts.succeeded).toBe(3);
  });

  it('halts on target 2 (42701 with line), target 1 committed, target 3 skipped and untouched', async () => {
    await where['b-replica'][0].query('ALTER TABLE orders ADD COLUMN shipped_at timestamptz', [], 'app_r2');
    const sql =
      '-- ship it\nALTER TABLE orders ADD COLUMN carrier text;\n\nALTER TABLE orders\n  ADD COLUMN shipped_at timestamptz;\n';
    const run = await waitFinished(
      ((await http.post('/api/migrations').send({ name: 'shipping', sql }).expect(201)).body as MigrationRunSummary).id,
    );
    const [s1, s2, s3] = run.steps;
    console.log(
      'acceptance 2:',
      JSON.stringify({ status: run.status, s1: s1.status, s2: [s2.status, s2.error], s3: s3.status }),
    );
    expect(run.status).toBe('failed');
    expect(s1.status).toBe('succeeded');
    expect(s2).toMatchObject({ status: 'failed', statementsRun: 1 });
    expect(s2.error).toMatchObject({ sqlstate: '42701', line: 4, statementIndex: 1 });
    expect(s2.error!.message).toContain('shipped_at');
    expect(s2.error!.statement).toContain('ADD COLUMN shipped_at');
    expect(s3.status).toBe('skipped');
    expect(s3.startedAt).toBeNull();
    expect(await catalogColumns('a-replica', 'orders')).toContain('carrier');
    expect(await catalogColumns('b-replica', 'orders')).not.toContain('carrier'); // rolled back
    expect(await catalogColumns('c-replica', 'orders')).toEqual(['id', 'total', 'note']); // untouched
    expect((await historyOf('c-replica')).length).toBe(1);
  });

  it('two submissions at the same moment: exactly one runs, the other gets 409 with its id', async () => {
    const body = (n: number) => ({
      name: `race ${n}`,
      sql: `SELECT pg_sleep(0.5);\nCOMMENT ON TABLE orders IS 'race ${n}';`,
    });
    const [a, b] = await Promise.all([
      http.post('/api/migrations').send(body(1)),
      http.post('/api/migrations').send(body(2)),
    ]);
    const statuses = [a.status, b.status].sort();
    console.log('acceptance 3:', statuses, [a.body.message, b.body.message]);
    expect(statuses).toEqual([201, 409]);
    const winner = (a.status === 201 ? a : b).body as MigrationRunSummary;
    const loser = a.status === 409 ? a : b;
    expect(loser.body.message).toContain(winner.id);
    expect(loser.body.details[0]).toMatchObject({ field: 'runId', reason: winner.id, code: 'migration-run-active' });
    expect((await waitFinished(winner.id)).status).toBe('succeeded');
  });

  it('CREATE INDEX CONCURRENTLY runs outside a transaction and says so; it cannot be dry-run', async () => {
    const sql = 'CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);';
    const p = (await http.post('/api/migrations/preview').send({ name: 'cic', sql }).expect(200))
      .body as MigrationPreview;
    expect(p.nonTransactional).toBe(true);
    expect(p.mode).toContain('outside a transaction');
    expect(p.dryRunBlockedReason).toContain('cannot run inside a transaction block');
    await http.post('/api/migrations').send({ name: 'cic', sql, dryRun: true }).expect(400);
    const run = await waitFinished(
      ((await http.post('/api/migrations').send({ name: 'cic', sql }).expect(201)).body as MigrationRunSummary).id,
    );
    console.log(
      'acceptance 5:',
      run.nonTransactional,
      run.steps.map((s) => `${s.endpointName} ${s.status}: ${s.note}`),
    );
    expect(run.nonTransactional).toBe(true);
    expect(run.steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(run.steps[0].note).toContain('outside a transaction');
    for (const name of ['a-replica', 'b-replica', 'c-replica']) {
      const [c, d] = where[name];
      const idx = await c.query<{ indisvalid: boolean }>(
        `SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_total_idx'::regclass`,
        [],
        d,
      );
      expect(idx).toEqual([{ indisvalid: true }]);
    }
    const md = (await http.get(`/api/migrations/${run.id}/report.md`).expect(200)).text;
    expect(md).toContain('outside a transaction');
  });

  it('a dry run runs every statement and rolls back on each target', async () => {
    const run = await waitFinished(
      (
        (
          await http
            .post('/api/migrations')
            .send({ name: 'dry', sql: 'ALTER TABLE orders ADD COLUMN dry int;', dryRun: true })
            .expect(201)
        ).body as MigrationRunSummary
      ).id,
    );
    expect(run.dryRun).toBe(true);
    expect(run.steps.map((s) => [s.status, s.statementsRun, s.note])).toEqual(
      Array(3).fill(['succeeded', 1, 'dry run: every statement ran, then ROLLBACK']),
    );
    for (const name of ['a-replica', 'b-replica', 'c-replica']) {
      expect(await catalogColumns(name, 'orders')).not.toContain('dry');
    }
    const list = (await http.get('/api/migrations').expect(200)).body as MigrationRunSummary[];
    expect(list[0].id).toBe(run.id);
    expect(list.length).toBeGreaterThanOrEqual(6);
  });
});

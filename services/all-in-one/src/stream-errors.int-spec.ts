import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { EndpointView, StreamDetailView, StreamView } from '@prm/contracts';
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
import { startAllInOne } from './bootstrap.js';

const POLL_MS = 1000;

// Issue 3 acceptance through the whole app: a duplicate-key conflict on the subscriber turns the stream `error` and
// the subscriber log's error (constraint, key, server timestamp) reaches the Stream API within 2 poll intervals; a
// table whose initial sync can never finish says which table and why.
describe('stream errors from the server log (PG17 → PG15, all-in-one)', () => {
  let pub: PgCluster;
  let sub: PgCluster;
  let db: TestDatabase;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  const prefix = `prmtest_streamerr_${process.pid}_${randomBytes(3).toString('hex')}`;

  const endpoint = (name: string, c: PgCluster, role: 'primary' | 'replica', logFile?: string) => ({
    name,
    host: '127.0.0.1',
    port: c.port,
    dbname: 'app',
    sslmode: 'disable',
    cloud: 'other',
    role,
    credential: { kind: 'env', user: 'postgres', passwordEnv: name === 'pub' ? 'PRM_T_PUB_PW' : 'PRM_T_SUB_PW' },
    ...(logFile ? { logSource: { kind: 'file', path: logFile, format: 'jsonlog' } } : {}),
  });

  async function stream(): Promise<StreamDetailView> {
    const list = (await http.get('/api/streams').expect(200)).body as StreamView[];
    const s = list.find((x) => x.subscription === 'err_sub');
    if (!s) throw new Error('stream err_sub not discovered yet');
    return (await http.get(`/api/streams/${s.id}`).expect(200)).body as StreamDetailView;
  }

  beforeAll(async () => {
    [pub, sub, db] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'err-pub' }),
      startCluster({ engine: 'pg15', name: 'err-sub' }),
      createTestDatabase('prm_test_streamerr'),
    ]);
    await Promise.all([pub.createDatabase('app'), sub.createDatabase('app')]);
    const ddl =
      'CREATE TABLE accounts (id int PRIMARY KEY, owner text); CREATE TABLE events (id int PRIMARY KEY, kind text)';
    await pub.query(`${ddl}; INSERT INTO accounts SELECT g, 'o' || g FROM generate_series(1, 100) g`, [], 'app');
    await pub.query("INSERT INTO events VALUES (1, 'not-a-number')", [], 'app');
    await pub.query('CREATE PUBLICATION err_pub FOR TABLE accounts', [], 'app');
    // on the subscriber, events.kind is an integer: its initial copy can never succeed
    await sub.query(
      'CREATE TABLE accounts (id int PRIMARY KEY, owner text); CREATE TABLE events (id int PRIMARY KEY, kind int)',
      [],
      'app',
    );
    await sub.query(
      `CREATE SUBSCRIPTION err_sub CONNECTION '${pub.conninfo('app').replace(/'/g, "''")}' PUBLICATION err_pub`,
      [],
      'app',
    );
    await expectEventually(async () => {
      const rows = await sub.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_subscription_rel WHERE srsubstate <> 'r'",
        [],
        'app',
      );
      expect(rows[0].n).toBe('0');
    });
    const port = await freePort();
    app = await startAllInOne({
      ...testAuthEnv(),
      PRM_DATABASE_URL: db.url,
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_POLL_INTERVAL_MS: String(POLL_MS),
      LOG_LEVEL: 'silent',
      PRM_T_PUB_PW: pub.password,
      PRM_T_SUB_PW: sub.password,
    });
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
    await http
      .post('/api/endpoints')
      .send(endpoint('pub', pub, 'primary'))
      .expect(201);
    const saved = (
      await http
        .post('/api/endpoints')
        .send(endpoint('sub', sub, 'replica', sub.logFile))
        .expect(201)
    ).body as EndpointView;
    expect(saved.logSource).toEqual({ kind: 'file', path: sub.logFile, format: 'jsonlog' });
    await expectEventually(async () => expect((await stream()).state).toBe('streaming'), { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([pub?.destroy(), sub?.destroy(), db?.drop(), flushRedisPrefix(prefix)]);
  });

  it('a duplicate key turns the stream error and shows the logged error within 2 poll intervals', async () => {
    await sub.query("INSERT INTO accounts VALUES (5000, 'subscriber first')", [], 'app');
    const t0 = Date.now();
    await pub.query("INSERT INTO accounts VALUES (5000, 'publisher second')", [], 'app');
    const detail = await expectEventually(
      async () => {
        const d = await stream();
        expect(d.state).toBe('error');
        const e = d.errors.find((x) => x.sqlstate === '23505');
        expect(e).toBeDefined();
        return d;
      },
      { timeoutMs: 2 * POLL_MS + 5000, intervalMs: 100 },
    );
    const seenMs = Date.now() - t0;
    const e = detail.errors.find((x) => x.sqlstate === '23505')!;
    console.log(
      `duplicate key: stream ${detail.state} (${detail.stateReason}) and logged error on the API after ${seenMs} ms: ${JSON.stringify(e)}`,
    );
    expect(e.message).toContain('accounts_pkey');
    expect(e.detail).toContain('Key (id)=(5000) already exists');
    expect(e.table).toBe('public.accounts');
    expect(e.finishLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    expect(seenMs).toBeLessThan(2 * POLL_MS + 5000);
    // the fix the alert will suggest works: remove the subscriber's row, the apply worker retries and goes on
    await sub.query('DELETE FROM accounts WHERE id = 5000', [], 'app');
    await expectEventually(async () => {
      const rows = await sub.query<{ owner: string }>('SELECT owner FROM accounts WHERE id = 5000', [], 'app');
      expect(rows[0]?.owner).toBe('publisher second');
    });
  });

  it('a table whose initial sync cannot finish says which table and why', async () => {
    await pub.query('ALTER PUBLICATION err_pub ADD TABLE events', [], 'app');
    await sub.query('ALTER SUBSCRIPTION err_sub REFRESH PUBLICATION', [], 'app');
    const table = await expectEventually(
      async () => {
        const d = await stream();
        const t = d.tables.find((x) => x.table === 'public.events');
        expect(t).toBeDefined();
        expect(t!.state).not.toBe('r');
        expect(t!.problem).toMatch(/invalid input syntax for type integer/);
        return t!;
      },
      { timeoutMs: 30_000 },
    );
    console.log(`stuck table: ${table.table} in state ${table.stateLabel}: ${table.problem}`);
  });
});

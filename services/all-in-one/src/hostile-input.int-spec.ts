import { createHash, randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { ApiErrorBody } from '@prm/contracts';
import {
  type PgCluster,
  type TestDatabase,
  createTestDatabase,
  flushRedisPrefix,
  freePort,
  startCluster,
  TEST_AUTH_HEADER,
  testAuthEnv,
} from '@prm/testing';
import pg from 'pg';
import request from 'supertest';
import { startAllInOne } from './bootstrap.js';

interface HostileCase {
  name: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string | (() => string);
  body?: unknown;
  raw?: { contentType: string; data: string | Buffer };
  /** Refused by the body parser before any route runs (so not in the audit log). */
  unparsable?: true;
}

// Hostile input against every writable API surface. Each case must get a 4xx with a clear message (never a 500,
// never a stack trace) and leave the managed database's replication catalogs and prm's metadata store unchanged.
describe('hostile input (real PostgreSQL, Redis)', () => {
  let cluster: PgCluster;
  let db: TestDatabase;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  let endpointId: string;
  let targetId: string;
  const prefix = `prmtest_hostile_${process.pid}_${randomBytes(3).toString('hex')}`;
  const passwordEnv = 'PRM_HOSTILE_PW';

  const endpoint = (over: Record<string, unknown> = {}) => ({
    name: 'ok-endpoint',
    host: '127.0.0.1',
    port: cluster.port,
    dbname: 'app',
    sslmode: 'disable',
    cloud: 'aws',
    role: 'primary',
    credential: { kind: 'env', user: 'postgres', passwordEnv },
    ...over,
  });
  const stream = (over: Record<string, unknown> = {}) => ({
    sourceEndpointId: endpointId,
    targetEndpointId: targetId,
    replicationCredential: { kind: 'env', user: 'postgres', passwordEnv },
    ...over,
  });

  async function catalogFingerprint(): Promise<string> {
    const rows = await cluster.query<{ f: string }>(
      `SELECT md5(concat_ws('|',
         (SELECT string_agg(pubname, ',' ORDER BY pubname) FROM pg_publication),
         (SELECT string_agg(subname, ',' ORDER BY subname) FROM pg_subscription),
         (SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots),
         (SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY 1)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')),
         (SELECT count(*) FROM pg_roles))) AS f`,
      [],
      'app',
    );
    return rows[0].f;
  }

  async function metadataFingerprint(): Promise<string> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const tables = await client.query<{ t: string }>(
        `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
          WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
      );
      const hash = createHash('sha256');
      for (const { t } of tables.rows) {
        // endpoint_status and stream snapshots change with every poll: compare what an API call could change
        // audit_event records every refused attempt: checked on its own below
        if (/endpoint_status|stream_status|metric_sample|wal_sample|log_cursor|audit_event/.test(t)) continue;
        const rows = await client.query(`SELECT row_to_json(x)::text AS j FROM ${t} x ORDER BY 1`);
        hash.update(t + rows.rows.map((r: { j: string }) => r.j).join('\n'));
      }
      return hash.digest('hex');
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    [cluster, db] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'hostile' }),
      createTestDatabase('prm_test_hostile'),
    ]);
    await cluster.createDatabase('app');
    await cluster.query(
      'CREATE TABLE orders (id bigint PRIMARY KEY, note text); CREATE PUBLICATION app_pub FOR TABLE orders',
      [],
      'app',
    );
    const port = await freePort();
    app = await startAllInOne({
      ...testAuthEnv(),
      PRM_DATABASE_URL: db.url,
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_POLL_INTERVAL_MS: '60000',
      LOG_LEVEL: 'silent',
      [passwordEnv]: cluster.password,
    });
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
    endpointId = ((await http.post('/api/endpoints').send(endpoint()).expect(201)).body as { id: string }).id;
    const target = endpoint({ name: 'ok-target', dbname: 'postgres', role: 'replica' });
    targetId = ((await http.post('/api/endpoints').send(target).expect(201)).body as { id: string }).id;
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([cluster?.destroy(), db?.drop(), flushRedisPrefix(prefix)]);
  });

  // built when the test runs: the bodies need the cluster's port and the stored endpoint's id
  const hostileCases = (): HostileCase[] => [
    {
      name: 'SQL injection in the endpoint name',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: "x'; DROP TABLE endpoint; --" }),
    },
    { name: 'double quote in the name', method: 'post', path: '/api/endpoints', body: endpoint({ name: 'a"b' }) },
    { name: 'unicode name', method: 'post', path: '/api/endpoints', body: endpoint({ name: 'ДБ-名前' }) },
    { name: '300-character name', method: 'post', path: '/api/endpoints', body: endpoint({ name: 'a'.repeat(300) }) },
    {
      name: 'shell metacharacters in the host',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: 'h1', host: '127.0.0.1; rm -rf /' }),
    },
    {
      name: 'URL as host',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: 'h2', host: 'http://evil.example/' }),
    },
    {
      name: 'port with SQL',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: 'p1', port: '5432; DROP TABLE x' }),
    },
    { name: 'negative port', method: 'post', path: '/api/endpoints', body: endpoint({ name: 'p2', port: -1 }) },
    { name: 'fractional port', method: 'post', path: '/api/endpoints', body: endpoint({ name: 'p3', port: 5432.5 }) },
    { name: 'port as an array', method: 'post', path: '/api/endpoints', body: endpoint({ name: 'p4', port: [5432] }) },
    {
      name: 'dbname over 63 bytes',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: 'd1', dbname: 'é'.repeat(40) }),
    },
    { name: 'dbname null', method: 'post', path: '/api/endpoints', body: endpoint({ name: 'd2', dbname: null }) },
    {
      name: 'unknown sslmode',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: 's1', sslmode: 'allow' }),
    },
    { name: 'unknown role', method: 'post', path: '/api/endpoints', body: endpoint({ name: 'r1', role: 'superuser' }) },
    {
      name: 'missing credential',
      method: 'post',
      path: '/api/endpoints',
      body: { ...endpoint({ name: 'c1' }), credential: undefined },
    },
    {
      name: 'plaintext password credential',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: 'c2', credential: { kind: 'plaintext', password: 'hunter2' } }),
    },
    {
      name: 'password field smuggled into the credential',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: 'c3', credential: { kind: 'env', user: 'postgres', passwordEnv, password: 'x' } }),
    },
    {
      name: 'env credential naming a path',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: 'c4', credential: { kind: 'env', user: 'postgres', passwordEnv: '/etc/passwd' } }),
    },
    {
      name: 'SQL in a secret ARN',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({
        name: 'c5',
        credential: { kind: 'aws-secret', secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:x' OR 1=1" },
      }),
    },
    {
      name: 'unknown top-level field',
      method: 'post',
      path: '/api/endpoints',
      body: { ...endpoint({ name: 'u1' }), password: 'hunter2' },
    },
    {
      name: '__proto__ pollution',
      method: 'post',
      path: '/api/endpoints',
      raw: { contentType: 'application/json', data: `{"__proto__":{"role":"primary"},"name":"pp"}` },
    },
    {
      name: 'header injection in region',
      method: 'post',
      path: '/api/endpoints',
      body: endpoint({ name: 'g1', region: 'us-east-1\r\nX-Injected: 1' }),
    },
    { name: 'body is an array', method: 'post', path: '/api/endpoints', body: [endpoint({ name: 'arr' })] },
    {
      name: 'malformed JSON',
      unparsable: true,
      method: 'post',
      path: '/api/endpoints',
      raw: { contentType: 'application/json', data: '{"name": "x",' },
    },
    {
      name: '10 MB body',
      unparsable: true,
      method: 'post',
      path: '/api/endpoints',
      raw: {
        contentType: 'application/json',
        data: JSON.stringify({ name: 'big', pad: 'x'.repeat(10 * 1024 * 1024) }),
      },
    },
    { name: 'SQL injection in an id path', method: 'get', path: "/api/endpoints/'; DROP TABLE endpoint; --" },
    { name: 'PATCH with port 0', method: 'patch', path: () => `/api/endpoints/${endpointId}`, body: { port: 0 } },
    {
      name: 'PATCH with an unknown field',
      method: 'patch',
      path: () => `/api/endpoints/${endpointId}`,
      body: { isAdmin: true },
    },
    {
      name: 'negative lag threshold',
      method: 'put',
      path: '/api/thresholds',
      body: { warningBytes: -1, criticalBytes: 10, warningSeconds: 1, criticalSeconds: 2 },
    },
    {
      name: 'threshold of the wrong type',
      method: 'put',
      path: '/api/thresholds',
      body: { warningBytes: '1; DROP', criticalBytes: 10, warningSeconds: 1, criticalSeconds: 2 },
    },
    {
      name: 'garbage metrics window',
      method: 'get',
      path: '/api/streams/00000000-0000-0000-0000-000000000000/metrics?from=yesterday%27--',
    },
    {
      name: 'publication name with a quote and semicolon',
      method: 'post',
      path: '/api/streams',
      body: stream({ publicationName: 'pub"; DROP TABLE orders; --' }),
    },
    {
      name: 'subscription name over 63 bytes',
      method: 'post',
      path: '/api/streams',
      body: stream({ subscriptionName: 's'.repeat(64) }),
    },
    {
      name: 'table name with SQL',
      method: 'post',
      path: '/api/streams',
      body: stream({ tables: ['public.orders; DROP TABLE orders'] }),
    },
    {
      name: 'migration SQL with a NUL byte',
      method: 'post',
      path: '/api/migrations',
      body: { name: 'nul', sql: 'SELECT 1;\u0000DROP TABLE orders;' },
    },
    {
      name: 'migration targeting a non-uuid',
      method: 'post',
      path: '/api/migrations',
      body: { name: 't', sql: 'SELECT 1;', targets: ["'; DROP TABLE endpoint; --"] },
    },
    {
      name: 'migration with a transaction-control statement',
      method: 'post',
      path: '/api/migrations',
      body: { name: 'tx', sql: 'BEGIN; DROP TABLE orders; COMMIT;', targets: [] },
    },
    {
      name: 'migration upload that is not UTF-8',
      method: 'post',
      path: '/api/migrations?name=bin',
      raw: { contentType: 'application/sql', data: Buffer.from([0x53, 0x45, 0xff, 0xfe, 0x3b]) },
    },
  ];

  it('refuses every hostile input (at least 30) with a clear 4xx and changes nothing', async () => {
    const cases = hostileCases();
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const catalogBefore = await catalogFingerprint();
    const metadataBefore = await metadataFingerprint();
    const outcomes: string[] = [];
    for (const c of cases) {
      const path = typeof c.path === 'function' ? c.path() : c.path;
      let req = http[c.method](path);
      if (c.raw) req = req.set('content-type', c.raw.contentType).send(c.raw.data);
      else if (c.body !== undefined) req = req.send(c.body as object);
      const res = await req;
      const body = res.body as Partial<ApiErrorBody>;
      outcomes.push(
        `${res.status} ${c.name}: ${body.message ?? ''}${body.details?.[0] ? ` (${body.details[0].field ?? ''} ${body.details[0].reason})` : ''}`,
      );
      expect({ case: c.name, status: res.status >= 400 && res.status < 500 }).toEqual({ case: c.name, status: true });
      expect(typeof body.message).toBe('string');
      expect((body.message as string).length).toBeGreaterThan(5);
      expect(JSON.stringify(body)).not.toMatch(/at .+\.(ts|js):\d+/); // no stack trace
    }
    console.log(outcomes.join('\n'));
    expect(await catalogFingerprint()).toBe(catalogBefore);
    expect(await metadataFingerprint()).toBe(metadataBefore);
    // every refused write attempt is in the audit log as refused (reads are not audited)
    const writes = cases.filter((c) => c.method !== 'get' && !c.unparsable).length;
    const audit = await new pg.Client({ connectionString: db.url });
    await audit.connect();
    const { rows } = await audit.query<{ outcome: string; n: string }>(
      "SELECT outcome, count(*) AS n FROM audit_event WHERE action NOT LIKE 'POST /api/endpoints' OR status_code <> 201 GROUP BY outcome",
    );
    await audit.end();
    expect(rows).toEqual([{ outcome: 'refused', n: String(writes) }]);
    await http.get(`/api/endpoints/${endpointId}`).expect(200);
  });
});

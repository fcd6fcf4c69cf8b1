import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { ApiErrorBody, EndpointView, LiveMessage, TopologyView } from '@prm/contracts';
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
import WebSocket from 'ws';
import { startAllInOne } from './bootstrap.js';

// The whole app in one process against a real PostgreSQL 17 cluster (scram auth), a fresh metadata database and
// real Redis: the endpoint API's validation, live check and storage, the topology and the live WebSocket.
describe('all-in-one app (real PostgreSQL, Redis)', () => {
  let cluster: PgCluster;
  let db: TestDatabase;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  let port: number;
  const prefix = `prmtest_aio_${process.pid}_${randomBytes(3).toString('hex')}`;
  const passwordEnv = `PRM_TEST_PW_${randomBytes(3).toString('hex').toUpperCase()}`;

  const body = (over: Record<string, unknown> = {}) => ({
    name: 'pub-one',
    host: '127.0.0.1',
    port: cluster.port,
    dbname: 'postgres',
    sslmode: 'disable',
    cloud: 'aws',
    region: 'us-east-1',
    network: 'vpc-a',
    role: 'primary',
    credential: { kind: 'env', user: 'postgres', passwordEnv },
    ...over,
  });

  beforeAll(async () => {
    cluster = await startCluster({ engine: 'pg17', name: 'aio' });
    db = await createTestDatabase('prm_test_aio');
    port = await freePort();
    app = await startAllInOne({
      ...testAuthEnv(),
      PRM_DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_POLL_INTERVAL_MS: '1000',
      LOG_LEVEL: 'silent',
      [passwordEnv]: cluster.password,
      WRONG_PW: 'not-the-password',
    });
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
  });

  afterAll(async () => {
    await app?.close();
    await cluster?.destroy();
    await db?.drop();
    await flushRedisPrefix(prefix);
  });

  const listNames = async () =>
    ((await http.get('/api/endpoints').expect(200)).body as EndpointView[]).map((e) => e.name);

  it('stores a reachable endpoint after the live check and never returns a secret', async () => {
    const res = await http.post('/api/endpoints').send(body()).expect(201);
    const view = res.body as EndpointView;
    expect(view).toMatchObject({ name: 'pub-one', port: cluster.port, role: 'primary' });
    expect(view.credential).toEqual({ kind: 'env', user: 'postgres', passwordEnv });
    expect(JSON.stringify(res.body)).not.toContain(cluster.password);
    expect(await listNames()).toEqual(['pub-one']);
  });

  it('carries the server log source: none by default, validated per kind, updated without a re-check', async () => {
    const one = ((await http.get('/api/endpoints').expect(200)).body as EndpointView[])[0];
    expect(one.logSource).toEqual({ kind: 'none' });
    const file = { kind: 'file', path: cluster.logFile, format: 'jsonlog' };
    const created = (
      await http
        .post('/api/endpoints')
        .send(body({ name: 'with-logs', logSource: file }))
        .expect(201)
    ).body as EndpointView;
    expect(created.logSource).toEqual(file);
    const bad = await http
      .post('/api/endpoints')
      .send(
        body({ name: 'bad-logs', logSource: { kind: 'file', path: 'relative/postgresql.json', format: 'jsonlog' } }),
      )
      .expect(400);
    expect((bad.body as ApiErrorBody).details).toEqual([
      expect.objectContaining({ field: 'logSource.path', reason: expect.stringContaining('absolute') }),
    ]);
    const noRegion = await http
      .patch(`/api/endpoints/${created.id}`)
      .send({ logSource: { kind: 'rds', instanceId: 'orders-db' } })
      .expect(400);
    expect((noRegion.body as ApiErrorBody).details[0]).toMatchObject({ field: 'logSource.region' });
    const cw = { kind: 'cloudwatch', logGroup: '/aws/rds/instance/orders-db/postgresql', region: 'eu-west-1' };
    const patched = await http.patch(`/api/endpoints/${created.id}`).send({ logSource: cw }).expect(200);
    expect((patched.body as EndpointView).logSource).toEqual(cw);
    expect(((await http.get(`/api/endpoints/${created.id}`).expect(200)).body as EndpointView).logSource).toEqual(cw);
    await http.delete(`/api/endpoints/${created.id}`).expect(204);
  });

  it('refuses a wrong password with auth-failed at the credential field, storing nothing', async () => {
    const res = await http
      .post('/api/endpoints')
      .send(body({ name: 'bad-pw', credential: { kind: 'env', user: 'postgres', passwordEnv: 'WRONG_PW' } }))
      .expect(422);
    const err = res.body as ApiErrorBody;
    expect(err.details[0]).toMatchObject({ field: 'credential', code: 'auth-failed' });
    expect(err.details[0].remedy).toBeTruthy();
    expect(JSON.stringify(err)).not.toContain('not-the-password');
    expect(await listNames()).toEqual(['pub-one']);
  });

  it('refuses an unreachable port with connection-refused at the port field', async () => {
    const closed = await freePort();
    const res = await http
      .post('/api/endpoints')
      .send(body({ name: 'refused', port: closed }))
      .expect(422);
    expect((res.body as ApiErrorBody).details[0]).toMatchObject({ field: 'port', code: 'connection-refused' });
    expect(await listNames()).toEqual(['pub-one']);
  });

  it('refuses an invalid port number with a 400 naming the field', async () => {
    const res = await http
      .post('/api/endpoints')
      .send(body({ name: 'bad-port', port: 70000 }))
      .expect(400);
    const err = res.body as ApiErrorBody;
    expect(err).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(err.details).toContainEqual({ field: 'port', reason: 'port must be between 1 and 65535' });
    expect(await listNames()).toEqual(['pub-one']);
  });

  it('refuses an unknown database and an unknown host with their own causes', async () => {
    const noDb = await http
      .post('/api/endpoints')
      .send(body({ name: 'no-db', dbname: 'nope' }))
      .expect(422);
    expect((noDb.body as ApiErrorBody).details[0]).toMatchObject({ field: 'dbname', code: 'unknown-database' });
    const noHost = await http
      .post('/api/endpoints')
      .send(body({ name: 'no-host', host: 'no-such-host.invalid' }))
      .expect(422);
    expect((noHost.body as ApiErrorBody).details[0]).toMatchObject({ field: 'host', code: 'dns-failure' });
  });

  it('stores an endpoint that is down today with force=true', async () => {
    const closed = await freePort();
    await http
      .post('/api/endpoints?force=true')
      .send(body({ name: 'down-today', port: closed, role: 'replica' }))
      .expect(201);
    expect(await listNames()).toEqual(['down-today', 'pub-one']);
  });

  it('rejects unknown fields, wrong types, malformed JSON and a duplicate name', async () => {
    const unknown = await http
      .post('/api/endpoints')
      .send({ ...body({ name: 'x1' }), admin: true })
      .expect(400);
    expect((unknown.body as ApiErrorBody).details).toContainEqual({ field: 'admin', reason: 'unknown field admin' });
    await http
      .post('/api/endpoints')
      .send(body({ name: 'x2', role: 'boss' }))
      .expect(400);
    await http.post('/api/endpoints').set('content-type', 'application/json').send('{"name":').expect(400);
    const dup = await http.post('/api/endpoints').send(body()).expect(409);
    expect((dup.body as ApiErrorBody).details[0]).toMatchObject({ field: 'name' });
    await http
      .post('/api/endpoints')
      .send(body({ name: 'x3', credential: { kind: 'aws-secret', user: 'postgres' } }))
      .expect(400);
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await http.post('/api/endpoints').send({ ...body({ name: 'big' }), pad: 'x'.repeat(2_000_000) });
    expect(res.status).toBe(413);
    expect((res.body as ApiErrorBody).statusCode).toBe(413);
  });

  it('updates, re-checks and deletes; unknown ids are 404', async () => {
    const list = (await http.get('/api/endpoints').expect(200)).body as EndpointView[];
    const down = list.find((e) => e.name === 'down-today') as EndpointView;
    await http.patch(`/api/endpoints/${down.id}`).send({ network: 'vpc-b' }).expect(200);
    await http.patch(`/api/endpoints/${down.id}`).send({ port: down.port }).expect(422);
    await http.get(`/api/endpoints/${down.id}`).expect(200);
    await http.delete(`/api/endpoints/${down.id}`).expect(204);
    await http.get(`/api/endpoints/${down.id}`).expect(404);
    await http.get('/api/endpoints/not-a-uuid').expect(404);
    await http.delete('/api/endpoints/00000000-0000-0000-0000-000000000000').expect(404);
  });

  it('polls the endpoint and serves it on the topology as reachable', async () => {
    const topo = await expectEventually(
      async () => {
        const t = (await http.get('/api/topology').expect(200)).body as TopologyView;
        expect(t.nodes).toHaveLength(1);
        expect(t.nodes[0]).toMatchObject({ name: 'pub-one', reachability: 'reachable' });
        return t;
      },
      { timeoutMs: 20_000 },
    );
    expect(topo.nodes[0].serverVersion).toMatch(/^17/);
  });

  it('pushes hello, endpoint.changed and status.updated over /ws', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: TEST_AUTH_HEADER } });
    const seen: LiveMessage[] = [];
    ws.on('message', (data) => seen.push(JSON.parse(String(data)) as LiveMessage));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await http
      .post('/api/endpoints?force=true')
      .send(body({ name: 'ws-probe', port: await freePort() }))
      .expect(201);
    await expectEventually(() => {
      const types = seen.map((m) => m.type);
      expect(types).toContain('hello');
      expect(types).toContain('endpoint.changed');
      expect(types).toContain('status.updated');
    });
    ws.close();
  });

  it('answers the health probes', async () => {
    await http.get('/health/live').expect(200);
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok' });
  });
});

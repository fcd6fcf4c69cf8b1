import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type {
  ApiErrorBody,
  EndpointView,
  LagThresholds,
  LiveMessage,
  StreamDetailView,
  StreamMetricsView,
  StreamView,
} from '@prm/contracts';
import { ReplicationErrorRepository } from '@prm/persistence';
import {
  DEMO_PASSWORD_ENV,
  type DemoTopology,
  type TestDatabase,
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  freePort,
  startDemoTopology,
  TEST_AUTH_HEADER,
  testAuthEnv,
} from '@prm/testing';
import request from 'supertest';
import WebSocket from 'ws';
import { startAllInOne } from '../../../all-in-one/src/bootstrap.js';

// The streams and thresholds API in the all-in-one app (gateway + config + monitor in one process) against the demo
// topology on real clusters (publisher PG17 → replica-a, replica-b; 1000 pgbench accounts), a fresh metadata
// database and real Redis: every route of /api/streams and /api/thresholds, and their error cases.
describe('streams and thresholds API (all-in-one, real clusters)', () => {
  let demo: DemoTopology;
  let db: TestDatabase;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  let port: number;
  let endpoints: EndpointView[];
  let streamA: StreamView;
  let streamB: StreamView;
  const prefix = `prmtest_streams_${process.pid}_${randomBytes(3).toString('hex')}`;
  const UNKNOWN = '00000000-0000-4000-8000-000000000000';
  const SEEDED: LagThresholds = {
    warningBytes: 64 * 1024 * 1024,
    criticalBytes: 1024 * 1024 * 1024,
    warningSeconds: 60,
    criticalSeconds: 300,
  };

  beforeAll(async () => {
    demo = await startDemoTopology({ datasetRows: 1000, waitForSync: true });
    db = await createTestDatabase('prm_test_streams');
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
      [DEMO_PASSWORD_ENV]: demo.password,
    });
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
    endpoints = [];
    for (const payload of demo.endpoints) {
      endpoints.push((await http.post('/api/endpoints').send(payload).expect(201)).body as EndpointView);
    }
    const streams = await expectEventually(
      async () => {
        const list = (await http.get('/api/streams').expect(200)).body as StreamView[];
        expect(list.map((s) => [s.subscription, s.state])).toEqual([
          ['replica_a_sub', 'streaming'],
          ['replica_b_sub', 'streaming'],
        ]);
        return list;
      },
      { timeoutMs: 45_000, message: 'both demo streams streaming' },
    );
    [streamA, streamB] = streams as [StreamView, StreamView];
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await demo?.stop();
    await flushRedisPrefix(prefix);
  }, 60_000);

  it('lists every stream with names, lag (bytes, seconds), level, effective thresholds and no detail blocks', () => {
    const ids = Object.fromEntries(endpoints.map((e) => [e.name, e.id]));
    expect(streamA).toMatchObject({
      sourceEndpointId: ids['publisher'],
      targetEndpointId: ids['replica-a'],
      sourceName: 'publisher',
      targetName: 'replica-a',
      publications: ['demo_pub'],
      level: 'ok',
      thresholds: SEEDED,
      thresholdsOverridden: false,
      backfill: null,
      lastErrorAt: null,
    });
    expect(streamB).toMatchObject({
      sourceName: 'publisher',
      targetName: 'replica-b',
      publications: ['demo_pub_small'],
    });
    for (const s of [streamA, streamB]) {
      expect(typeof s.lag.bytes).toBe('number');
      expect(typeof s.lag.seconds).toBe('number');
      expect(s).not.toHaveProperty('tables');
      expect(s).not.toHaveProperty('slotDetail');
    }
    console.log(
      `streams: ${[streamA, streamB].map((s) => `${s.subscription} ${s.state} ${s.lag.bytes} B ${s.lag.seconds} s ${s.level}`).join('; ')}`,
    );
  });

  it('serves one stream with publication, subscription, slot, tables and errors; unknown ids are 404', async () => {
    const detail = await expectEventually(async () => {
      const d = (await http.get(`/api/streams/${streamB.id}`).expect(200)).body as StreamDetailView;
      expect(d.slotDetail).toMatchObject({ name: streamB.slotName, active: true });
      return d;
    });
    expect(detail.publicationDetail).toMatchObject({ names: ['demo_pub_small'], allTables: false });
    expect(detail.publicationDetail?.tables).toEqual(['public.customers', 'public.orders']);
    expect(detail.publicationDetail?.operations).toEqual({ insert: true, update: true, delete: true, truncate: true });
    expect(detail.subscriptionDetail).toMatchObject({ enabled: true });
    expect(detail.subscriptionDetail?.workerPid).toEqual(expect.any(Number));
    expect(detail.tables.map((t) => [t.table, t.state])).toEqual([
      ['public.customers', 'r'],
      ['public.orders', 'r'],
    ]);
    expect(detail.errors).toEqual([]);
    expect(JSON.stringify(detail)).not.toContain(demo.password);

    for (const path of [`/api/streams/${UNKNOWN}`, '/api/streams/not-a-uuid', `/api/streams/${UNKNOWN}/metrics`]) {
      const res = await http.get(path).expect(404);
      expect(res.body as ApiErrorBody).toMatchObject({ statusCode: 404, details: [{ field: 'id' }] });
    }
  });

  it('attaches logged replication errors: newest first on the stream page, time on the list', async () => {
    const target = endpoints.find((e) => e.name === 'replica-b') as EndpointView;
    const errors = app.get(ReplicationErrorRepository);
    const base = {
      endpointId: target.id,
      streamId: streamB.id,
      subscriptionName: 'replica_b_sub',
      severity: 'ERROR',
      sqlstate: '23505',
      detail: 'Key (id)=(7) already exists.',
      context:
        'processing remote data for replication origin "pg_16390" during message type "INSERT" in transaction 771, finished at 0/3000A28',
      source: 'logical replication apply worker',
      pid: 4242,
      table: 'public.customers',
      finishLsn: '0/3000A28',
      constraintName: 'customers_pkey',
      key: '(id)=(7)',
    };
    await errors.insertMany([
      {
        ...base,
        at: '2026-01-01T10:00:00.000Z',
        message: 'duplicate key value violates unique constraint "customers_pkey"',
      },
      {
        ...base,
        at: '2026-01-01T10:05:00.000Z',
        message: 'duplicate key value violates unique constraint "customers_pkey" (2)',
      },
    ]);
    const d = (await http.get(`/api/streams/${streamB.id}`).expect(200)).body as StreamDetailView;
    expect(d.errors.map((e) => e.at)).toEqual(['2026-01-01T10:05:00.000Z', '2026-01-01T10:00:00.000Z']);
    expect(d.errors[0]).toMatchObject({ sqlstate: '23505', table: 'public.customers', finishLsn: '0/3000A28' });
    expect(d.lastErrorAt).toBe('2026-01-01T10:05:00.000Z');
    const list = (await http.get('/api/streams').expect(200)).body as StreamView[];
    expect(list.find((s) => s.id === streamB.id)?.lastErrorAt).toBe('2026-01-01T10:05:00.000Z');
    expect(list.find((s) => s.id === streamA.id)?.lastErrorAt).toBeNull();
  });

  it('serves lag samples over the last hour by default, bucketed, ≤ 500 points', async () => {
    const m = await expectEventually(async () => {
      const res = (await http.get(`/api/streams/${streamA.id}/metrics`).expect(200)).body as StreamMetricsView;
      expect(res.points.length).toBeGreaterThan(0);
      return res;
    });
    expect(m.streamId).toBe(streamA.id);
    expect(m.step).toBe(10);
    expect(Date.parse(m.to) - Date.parse(m.from)).toBe(3600_000);
    expect(m.points[0]).toEqual({
      at: expect.any(String),
      lagBytes: expect.any(Number),
      lagSeconds: expect.any(Number),
      backfillPercent: null,
    });
    const to = new Date(Date.now() + 60_000).toISOString();
    const from = new Date(Date.now() - 120_000).toISOString();
    const fine = (await http.get(`/api/streams/${streamA.id}/metrics`).query({ from, to, step: 1 }).expect(200))
      .body as StreamMetricsView;
    expect(fine.step).toBe(1);
    expect(fine.points.length).toBeGreaterThan(0);
    expect(fine.points.length).toBeLessThanOrEqual(180);
    const times = fine.points.map((p) => Date.parse(p.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('refuses bad metrics queries with 400 naming the field', async () => {
    const url = `/api/streams/${streamA.id}/metrics`;
    const cases: [Record<string, string>, string][] = [
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2026-13-01T00:00:00Z' }, 'to'],
      [{ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'from'],
      [{ step: '0' }, 'step'],
      [{ step: 'ten' }, 'step'],
      [{ step: '1' }, 'step'],
    ];
    for (const [query, field] of cases) {
      const res = await http.get(url).query(query).expect(400);
      expect((res.body as ApiErrorBody).details).toEqual([expect.objectContaining({ field })]);
    }
  });

  it('reads and replaces the global thresholds, refusing bad values per field', async () => {
    expect((await http.get('/api/thresholds').expect(200)).body).toEqual(SEEDED);
    const bad: [Record<string, unknown>, string[]][] = [
      [{ ...SEEDED, warningBytes: -1 }, ['warningBytes']],
      [{ ...SEEDED, warningSeconds: 400 }, ['warningSeconds']],
      [{ ...SEEDED, criticalBytes: 'lots' }, ['criticalBytes']],
      [{ ...SEEDED, warningBytes: 1.5 }, ['warningBytes']],
      [{ warningBytes: null, criticalBytes: null, warningSeconds: null }, ['criticalSeconds']],
      [{ ...SEEDED, extra: 1 }, ['extra']],
    ];
    for (const [body, fields] of bad) {
      const res = await http.put('/api/thresholds').send(body).expect(400);
      expect([...new Set((res.body as ApiErrorBody).details.map((d) => d.field))]).toEqual(fields);
    }
    const wb = (
      await http
        .put('/api/thresholds')
        .send({ ...SEEDED, warningSeconds: 400 })
        .expect(400)
    ).body as ApiErrorBody;
    expect(wb.details[0]?.reason).toBe('warningSeconds must not be greater than criticalSeconds');
    expect((await http.get('/api/thresholds').expect(200)).body).toEqual(SEEDED);

    const next: LagThresholds = {
      warningBytes: 1_000_000,
      criticalBytes: null,
      warningSeconds: 30,
      criticalSeconds: 90.5,
    };
    expect((await http.put('/api/thresholds').send(next).expect(200)).body).toEqual(next);
    expect((await http.get('/api/thresholds').expect(200)).body).toEqual(next);
    const list = (await http.get('/api/streams').expect(200)).body as StreamView[];
    expect(list.map((s) => s.thresholds)).toEqual([next, next]);
    await http.put('/api/thresholds').send(SEEDED).expect(200);
  });

  it('overrides one stream, re-levels it at once, pushes stream.updated, and reverts to the global defaults', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: TEST_AUTH_HEADER } });
    const seen: LiveMessage[] = [];
    ws.on('message', (data) => seen.push(JSON.parse(String(data)) as LiveMessage));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    try {
      const url = `/api/streams/${streamB.id}/thresholds`;
      expect((await http.get(url).expect(200)).body).toEqual({ thresholds: SEEDED, overridden: false });
      // 0 bytes critical: any lag (≥ 0 bytes) crosses it
      const own: LagThresholds = { warningBytes: 0, criticalBytes: 0, warningSeconds: null, criticalSeconds: null };
      expect((await http.put(url).send(own).expect(200)).body).toEqual({ thresholds: own, overridden: true });
      expect((await http.get(url).expect(200)).body).toEqual({ thresholds: own, overridden: true });
      const list = (await http.get('/api/streams').expect(200)).body as StreamView[];
      expect(list.find((s) => s.id === streamB.id)).toMatchObject({
        thresholds: own,
        thresholdsOverridden: true,
        level: 'critical',
      });
      expect(list.find((s) => s.id === streamA.id)).toMatchObject({ thresholds: SEEDED, thresholdsOverridden: false });
      await expectEventually(() => {
        expect(seen).toContainEqual(
          expect.objectContaining({ type: 'stream.updated', streamIds: expect.arrayContaining([streamB.id]) }),
        );
      });

      const badOwn = await http
        .put(url)
        .send({ ...own, warningBytes: 10 })
        .expect(400);
      expect((badOwn.body as ApiErrorBody).details).toEqual([
        { field: 'warningBytes', reason: 'warningBytes must not be greater than criticalBytes' },
      ]);

      expect((await http.delete(url).expect(200)).body).toEqual({ thresholds: SEEDED, overridden: false });
      expect((await http.delete(url).expect(200)).body).toEqual({ thresholds: SEEDED, overridden: false });
      const after = (await http.get(`/api/streams/${streamB.id}`).expect(200)).body as StreamDetailView;
      expect(after).toMatchObject({ thresholds: SEEDED, thresholdsOverridden: false, level: 'ok' });

      for (const id of [UNKNOWN, 'nope']) {
        await http.get(`/api/streams/${id}/thresholds`).expect(404);
        await http.put(`/api/streams/${id}/thresholds`).send(own).expect(404);
        await http.delete(`/api/streams/${id}/thresholds`).expect(404);
      }
    } finally {
      ws.close();
    }
  });
});

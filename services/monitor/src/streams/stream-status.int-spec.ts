import { BullModule } from '@nestjs/bullmq';
import { type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type CredentialRef, EventPattern, type EndpointView } from '@prm/contracts';
import { type CredentialResolver } from '@prm/pg';
import {
  EndpointRepository,
  EndpointStatusRepository,
  MetricSampleRepository,
  PersistenceModule,
  type StoredStreamDetail,
  StreamRepository,
  StreamStatusRepository,
  ThresholdRepository,
  toEndpointView,
} from '@prm/persistence';
import {
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  startCluster,
  testRedisPrefix,
  testRedisUrl,
  type PgCluster,
  type TestDatabase,
} from '@prm/testing';

import { MonitorModule } from '../monitor.module.js';
import {
  MONITOR_CREDENTIALS,
  MONITOR_EVENTS,
  MONITOR_SETTINGS,
  MONITOR_STORE,
  type MonitorSettings,
} from '../monitor.ports.js';
import { PersistenceMonitorStore } from '../persistence-monitor.store.js';
import { PollScheduler } from '../poll/poll.scheduler.js';

const POLL_INTERVAL_MS = 1000;
const IDLE_MS = 60_000;
const sqlLiteral = (v: string): string => `'${v.replace(/'/g, "''")}'`;
const kb = (b: number | null) => (b === null ? 'null' : `${(b / 1024).toFixed(1)} kB`);

/**
 * Stream monitoring end to end on real clusters: A (PG17, publication `pub_a`) → B (PG15, subscription `sub_b`),
 * the monitor on real Redis + a real metadata DB, polling every second.
 */
describe('stream status (real clusters, 1 s poll)', () => {
  let a: PgCluster;
  let b: PgCluster;
  let metadata: TestDatabase;
  let app: INestApplicationContext;
  let prefix: string;
  let endpointA: EndpointView;
  let endpointB: EndpointView;
  const events: { pattern: string; payload: unknown }[] = [];
  const passwords = new Map<string, string>();
  const resolver: CredentialResolver = {
    resolve: async (ref: CredentialRef) => {
      if (ref.kind !== 'env' || !passwords.has(ref.passwordEnv)) throw new Error('unknown test credential');
      return { user: ref.user, password: passwords.get(ref.passwordEnv)! };
    },
  };

  const detail = async (): Promise<StoredStreamDetail> => {
    const s = await app.get(StreamRepository).findByTarget(endpointB.id, 'sub_b');
    if (!s) throw new Error('stream not discovered yet');
    const st = await app.get(StreamStatusRepository).get(s.id);
    if (!st) throw new Error('no stream status yet');
    return st.detail;
  };

  beforeAll(async () => {
    [a, b, metadata] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'streams-a' }),
      startCluster({ engine: 'pg15', name: 'streams-b' }),
      createTestDatabase('prm_test_streams_mon'),
    ]);
    const schema = `CREATE TABLE t (id bigserial PRIMARY KEY, v int NOT NULL, pad text NOT NULL);
      CREATE TABLE t2 (id int PRIMARY KEY);`;
    await a.createDatabase('app');
    await a.query(
      `${schema} INSERT INTO t (v, pad) SELECT g, repeat('x', 100) FROM generate_series(1, 1000) g;
       CREATE PUBLICATION pub_a FOR TABLE t;`,
      [],
      'app',
    );
    await b.createDatabase('app');
    await b.query(schema, [], 'app');
    await b.query(`CREATE SUBSCRIPTION sub_b CONNECTION ${sqlLiteral(a.conninfo('app'))} PUBLICATION pub_a`, [], 'app');
    passwords.set('PW_A', a.password);
    passwords.set('PW_B', b.password);

    prefix = testRedisPrefix('streams').replace(/:$/, '');
    const redis = new URL(testRedisUrl());
    const settings: MonitorSettings = {
      pollIntervalMs: POLL_INTERVAL_MS,
      concurrency: 8,
      connection: { connectTimeoutMs: 2000, queryDeadlineMs: 3000, backoffBaseMs: 100, backoffMaxMs: 1000 },
      tableSizeRefreshMs: 60_000,
      backfillStallMs: 30_000,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRoot({ url: metadata.url }),
        BullModule.forRoot({
          connection: { host: redis.hostname, port: Number(redis.port || 6379), maxRetriesPerRequest: null },
          prefix,
        }),
        MonitorModule.register({
          providers: [
            { provide: MONITOR_STORE, useClass: PersistenceMonitorStore },
            {
              provide: MONITOR_EVENTS,
              useValue: { emit: (pattern: string, payload: unknown) => void events.push({ pattern, payload }) },
            },
            { provide: MONITOR_CREDENTIALS, useValue: resolver },
            { provide: MONITOR_SETTINGS, useValue: settings },
          ],
        }),
      ],
    }).compile();
    const repo = moduleRef.get(EndpointRepository);
    const base = { dbname: 'app', sslmode: 'disable', cloud: 'other', region: null, network: null } as const;
    endpointA = toEndpointView(
      await repo.insert({
        ...base,
        role: 'primary',
        name: 'a-pg17',
        host: '127.0.0.1',
        port: a.port,
        credential: { kind: 'env', user: 'postgres', passwordEnv: 'PW_A' },
      }),
    );
    endpointB = toEndpointView(
      await repo.insert({
        ...base,
        role: 'replica',
        name: 'b-pg15',
        host: '127.0.0.1',
        port: b.port,
        credential: { kind: 'env', user: 'postgres', passwordEnv: 'PW_B' },
      }),
    );
    app = await moduleRef.init();
  }, 120_000);

  afterAll(async () => {
    await app
      ?.get(PollScheduler)
      .unschedule()
      .catch(() => undefined);
    await app?.close();
    if (prefix) await flushRedisPrefix(prefix);
    await Promise.all([a?.destroy(), b?.destroy(), metadata?.drop()]);
  });

  it('(a) idle caught-up stream: after 60 s without writes, lag ≈ 0 bytes and < 2 polls of seconds', async () => {
    const first = await expectEventually(
      async () => {
        const d = await detail();
        expect(d.state).toBe('streaming');
        expect(d.lag.bytes).not.toBeNull();
        return d;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'stream never reached streaming' },
    );
    expect(first).toMatchObject({
      sourceEndpointId: endpointA.id,
      sourceName: 'a-pg17',
      targetName: 'b-pg15',
      publications: ['pub_a'],
      slotName: 'sub_b',
      thresholdsOverridden: false,
      drift: { missingOnSubscriber: [], notInPublication: [] },
      tables: [expect.objectContaining({ table: 'public.t', state: 'r' })],
      publicationDetail: { names: ['pub_a'], tables: ['public.t'] },
      slotDetail: expect.objectContaining({ name: 'sub_b', active: true }),
    });
    expect(first.subscriptionDetail?.options).toMatchObject({ slot_name: 'sub_b', disable_on_error: false });
    expect(events.some((e) => e.pattern === EventPattern.StreamUpdated)).toBe(true);
    expect(events.find((e) => e.pattern === EventPattern.StreamUpdated)?.payload).toMatchObject({
      type: 'stream.updated',
      streamIds: [first.id],
    });

    // No writes from here on: sample the stream once a second for 60 s and keep the worst values.
    const idleStart = Date.now();
    const seen: { at: number; bytes: number | null; seconds: number | null }[] = [];
    const sizeRuns = new Set<string>();
    const last = await expectEventually(
      async () => {
        const d = await detail();
        seen.push({ at: Date.now() - idleStart, bytes: d.lag.bytes, seconds: d.lag.seconds });
        const pub = await app.get(EndpointStatusRepository).findByEndpoint(endpointA.id);
        if (pub?.tableSizesAt) sizeRuns.add(pub.tableSizesAt);
        expect(Date.now() - idleStart).toBeGreaterThanOrEqual(IDLE_MS);
        return d;
      },
      { timeoutMs: IDLE_MS + 10_000, intervalMs: 1000 },
    );
    const maxSeconds = Math.max(...seen.map((s) => s.seconds ?? 0));
    const lateMaxSeconds = Math.max(...seen.filter((s) => s.at >= 30_000).map((s) => s.seconds ?? 0));
    console.log(
      `(a) idle ${Math.round((Date.now() - idleStart) / 1000)} s: final lag ${kb(last.lag.bytes)} / ` +
        `${last.lag.seconds} s (walsender write/flush/replay ${last.lag.writeLagSeconds}/${last.lag.flushLagSeconds}/` +
        `${last.lag.replayLagSeconds} s); max over the window ${kb(Math.max(...seen.map((s) => s.bytes ?? 0)))} / ` +
        `${maxSeconds} s, max in its last 30 s ${lateMaxSeconds} s; ${seen.length} samples; ` +
        `size query runs seen ${sizeRuns.size}`,
    );
    expect(last.state).toBe('streaming');
    expect(last.level).toBe('ok');
    expect(last.lag.bytes).toBeLessThanOrEqual(4096);
    expect(last.lag.seconds).toBeLessThan((2 * POLL_INTERVAL_MS) / 1000);
    // the size query ran at most once a minute (the publication did not change)
    expect(sizeRuns.size).toBeLessThanOrEqual(2);
    const runs = [...sizeRuns].map((t) => Date.parse(t)).sort();
    for (let n = 1; n < runs.length; n++) expect(runs[n] - runs[n - 1]).toBeGreaterThanOrEqual(60_000);
  }, 120_000);

  it('(c) drift: a table added to the publication without REFRESH PUBLICATION shows as missing on the subscriber', async () => {
    await a.query('ALTER PUBLICATION pub_a ADD TABLE t2', [], 'app');
    const drifted = await expectEventually(
      async () => {
        const d = await detail();
        expect(d.drift).toEqual({ missingOnSubscriber: ['public.t2'], notInPublication: [] });
        return d;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    console.log(`(c) drift: ${JSON.stringify(drifted.drift)}, state ${drifted.state}`);
    await b.query('ALTER SUBSCRIPTION sub_b REFRESH PUBLICATION', [], 'app');
    const healed = await expectEventually(
      async () => {
        const d = await detail();
        expect(d.drift).toEqual({ missingOnSubscriber: [], notInPublication: [] });
        expect(d.state).toBe('streaming');
        expect(d.tables.map((t) => `${t.table}:${t.state}`)).toEqual(['public.t:r', 'public.t2:r']);
        return d;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(healed.publicationDetail?.tables).toEqual(['public.t', 'public.t2']);
  }, 60_000);

  it('(b) disabled under writes: lag rises, disabled, warning then critical; re-enabled: back to ok', async () => {
    const streamId = (await detail()).id;
    const own = { warningBytes: 100_000, criticalBytes: 1_000_000, warningSeconds: 3, criticalSeconds: 8 };
    await app.get(ThresholdRepository).putForStream(streamId, own);
    const t0 = Date.now();
    const timeline: string[] = [];
    let lastLine = '';
    const record = (d: StoredStreamDetail) => {
      const line = `${d.state} ${d.level} ${kb(d.lag.bytes)} ${d.lag.seconds?.toFixed(1)} s`;
      if (line.split(' ').slice(0, 2).join() !== lastLine.split(' ').slice(0, 2).join()) {
        timeline.push(`+${((Date.now() - t0) / 1000).toFixed(1)} s ${line}`);
      }
      lastLine = line;
    };

    // pgbench-style writer: small transactions of INSERTs and UPDATEs, ~150 kB of WAL a second.
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      while (writing) {
        await a.query(
          `INSERT INTO t (v, pad) SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 200) g;
           UPDATE t SET v = v + 1 WHERE id = (SELECT max(id) FROM t);`,
          [],
          'app',
        );
        writes += 1;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    try {
      await b.query('ALTER SUBSCRIPTION sub_b DISABLE', [], 'app');
      const levels: string[] = [];
      const critical = await expectEventually(
        async () => {
          const d = await detail();
          record(d);
          if (d.state === 'disabled' && levels[levels.length - 1] !== d.level) levels.push(d.level);
          expect(d.state).toBe('disabled');
          expect(d.level).toBe('critical');
          expect(d.lag.seconds).toBeGreaterThanOrEqual(own.criticalSeconds);
          return d;
        },
        { timeoutMs: 40_000, intervalMs: 200 },
      );
      expect(critical).toMatchObject({ thresholdsOverridden: true, thresholds: own, stateReason: expect.any(String) });
      expect(critical.lag.bytes).toBeGreaterThan(own.criticalBytes);
      expect(levels).toContain('warning');
      expect(levels.indexOf('warning')).toBeLessThan(levels.indexOf('critical'));

      await b.query('ALTER SUBSCRIPTION sub_b ENABLE', [], 'app');
      const recovered = await expectEventually(
        async () => {
          const d = await detail();
          record(d);
          expect(d.state).toBe('streaming');
          expect(d.level).toBe('ok');
          return d;
        },
        { timeoutMs: 40_000, intervalMs: 200 },
      );
      console.log(
        `(b) disabled under writes (${writes} write transactions), timeline of state/level changes:\n  ` +
          `${timeline.join('\n  ')}\n  critical at ${kb(critical.lag.bytes)} / ${critical.lag.seconds} s; ` +
          `recovered to ${kb(recovered.lag.bytes)} / ${recovered.lag.seconds} s`,
      );
    } finally {
      writing = false;
      await writer;
    }
    // the time series holds the peak
    const points = await app
      .get(MetricSampleRepository)
      .series(streamId, new Date(t0 - 1000), new Date(Date.now() + 1000), 5);
    expect(Math.max(...points.map((p) => p.lagBytes ?? 0))).toBeGreaterThan(own.criticalBytes);
    expect(Math.max(...points.map((p) => p.lagSeconds ?? 0))).toBeGreaterThanOrEqual(own.criticalSeconds);
  }, 120_000);
});

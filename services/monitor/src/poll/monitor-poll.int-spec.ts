import { BullModule } from '@nestjs/bullmq';
import { type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type CredentialRef, type EndpointStatus, EventPattern, type EndpointView, QueueName } from '@prm/contracts';
import { type CredentialResolver } from '@prm/pg';
import { EndpointRepository, EndpointStatusRepository, PersistenceModule, toEndpointView } from '@prm/persistence';
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
import { QueueEvents } from 'bullmq';

import { MonitorModule } from '../monitor.module.js';
import {
  MONITOR_CREDENTIALS,
  MONITOR_EVENTS,
  MONITOR_SETTINGS,
  MONITOR_STORE,
  type MonitorSettings,
} from '../monitor.ports.js';
import { PersistenceMonitorStore } from '../persistence-monitor.store.js';
import { buildTopology } from '../topology/topology.builder.js';
import { EndpointConnectionManager } from './endpoint-connection.manager.js';
import { MonitorPollService, pollJobId } from './monitor-poll.service.js';
import { PollProcessor } from './poll.processor.js';
import { POLL_TICK_SCHEDULER_ID, PollScheduler } from './poll.scheduler.js';

const POLL_INTERVAL_MS = 1000;
const sqlLiteral = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/**
 * The monitor end to end on real Redis (unique BullMQ prefix), a real metadata DB and two real clusters:
 * A (PG17, publisher) and B (PG15, subscribing to A).
 */
describe('monitor poll (BullMQ + real clusters)', () => {
  let a: PgCluster;
  let b: PgCluster;
  let metadata: TestDatabase;
  let app: INestApplicationContext;
  let queueEvents: QueueEvents | undefined;
  let prefix: string;
  let endpointA: EndpointView;
  let endpointB: EndpointView;
  const events: { pattern: string; payload: unknown }[] = [];
  const completed: { id: string; name: string; result: unknown }[] = [];
  const PRM_PASSWORD = 'prm-monitor-pass-7c1';

  /** Test resolver: `env` references name entries of this map, not real environment variables. */
  const passwords = new Map<string, string>();
  const resolver: CredentialResolver = {
    resolve: async (ref: CredentialRef) => {
      if (ref.kind !== 'env' || !passwords.has(ref.passwordEnv)) throw new Error('unknown test credential');
      return { user: ref.user, password: passwords.get(ref.passwordEnv)! };
    },
  };

  const statuses = () => app.get(EndpointStatusRepository);
  const status = async (id: string): Promise<EndpointStatus> => {
    const s = await statuses().findByEndpoint(id);
    if (!s) throw new Error(`no status for ${id} yet`);
    return s;
  };

  beforeAll(async () => {
    [a, b, metadata] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'mon-a' }),
      startCluster({ engine: 'pg15', name: 'mon-b' }),
      createTestDatabase('prm_test_monitor'),
    ]);
    await a.createDatabase('app');
    await a.query(
      `CREATE ROLE prm LOGIN SUPERUSER PASSWORD ${sqlLiteral(PRM_PASSWORD)};
       CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION pub_a FOR TABLE t;`,
      [],
      'app',
    );
    await b.createDatabase('app');
    await b.query('CREATE TABLE t (id int PRIMARY KEY)', [], 'app');
    await b.query(`CREATE SUBSCRIPTION sub_b CONNECTION ${sqlLiteral(a.conninfo('app'))} PUBLICATION pub_a`, [], 'app');
    passwords.set('PW_A', PRM_PASSWORD);
    passwords.set('PW_B', b.password);

    prefix = testRedisPrefix('monitor-poll').replace(/:$/, '');
    const redis = new URL(testRedisUrl());
    const redisConnection = { host: redis.hostname, port: Number(redis.port || 6379), maxRetriesPerRequest: null };
    const settings: MonitorSettings = {
      pollIntervalMs: POLL_INTERVAL_MS,
      concurrency: 32,
      connection: { connectTimeoutMs: 2000, queryDeadlineMs: 3000, backoffBaseMs: 100, backoffMaxMs: 1000 },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRoot({ url: metadata.url }),
        BullModule.forRoot({
          connection: redisConnection,
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
    // Endpoints exist before the app boots, so the first tick already sees both.
    const repo = moduleRef.get(EndpointRepository);
    const base = {
      dbname: 'app',
      sslmode: 'disable',
      cloud: 'other',
      region: 'local',
      network: 'lo',
      role: 'primary',
    } as const;
    endpointA = toEndpointView(
      await repo.insert({
        ...base,
        name: 'a-pg17',
        host: '127.0.0.1',
        port: a.port,
        credential: { kind: 'env', user: 'prm', passwordEnv: 'PW_A' },
      }),
    );
    endpointB = toEndpointView(
      await repo.insert({
        ...base,
        role: 'replica',
        name: 'b-pg15',
        host: 'localhost',
        port: b.port,
        credential: { kind: 'env', user: 'postgres', passwordEnv: 'PW_B' },
      }),
    );
    // Completed jobs, read from BullMQ's event stream (listening before the first tick is planned).
    queueEvents = new QueueEvents(QueueName.MonitorPoll, { connection: redisConnection, prefix });
    await queueEvents.waitUntilReady();
    queueEvents.on('completed', ({ jobId, returnvalue }) => {
      const result: unknown = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
      completed.push({ id: jobId, name: jobId.startsWith('poll:') ? 'poll-endpoint' : 'poll-tick', result });
    });
    app = await moduleRef.init();
  }, 120_000);

  afterAll(async () => {
    await app
      ?.get(PollScheduler)
      .unschedule()
      .catch(() => undefined);
    await app?.close();
    await queueEvents?.close();
    if (prefix) await flushRedisPrefix(prefix);
    await Promise.all([a?.destroy(), b?.destroy(), metadata?.drop()]);
  });

  it('fans one tick out into one job per endpoint and stores both snapshots', async () => {
    expect(app.get(PollProcessor).worker.concurrency).toBe(32);
    const [sa, sb] = await expectEventually(
      async () => {
        const both = await Promise.all([status(endpointA.id), status(endpointB.id)]);
        for (const s of both) expect(s.reachability).toBe('reachable');
        // the publisher sees its slot active, the subscriber its apply worker
        expect(both[0].slots.find((s) => s.name === 'sub_b')?.active).toBe(true);
        expect(both[1].subscriptions[0]?.workerPid).toEqual(expect.any(Number));
        return both;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(Math.floor(sa.serverVersionNum! / 10000)).toBe(17);
    expect(Math.floor(sb.serverVersionNum! / 10000)).toBe(15);
    expect(sa).toMatchObject({ walLevel: 'logical', consecutiveFailures: 0, lastError: null });
    expect(sa.rttMs).toBeGreaterThan(0);
    expect(sa.lastSeenAt).toBe(sa.checkedAt);
    expect(sb.subscriptions[0]).toMatchObject({ name: 'sub_b', publisherPort: a.port, conninfoHasPassword: true });
    expect(JSON.stringify(sb)).not.toContain(a.password);

    // One tick → exactly one poll job per endpoint, ids poll:<endpointId>:<tick>.
    const ticks = new Set(completed.filter((c) => c.name === 'poll-endpoint').map((c) => Number(c.id.split(':')[2])));
    const firstTick = Math.min(...ticks);
    expect(completed.find((c) => c.id === `repeat:${POLL_TICK_SCHEDULER_ID}:${firstTick}`)?.result).toEqual({
      endpoints: 2,
    });
    const firstJobs = completed.filter((c) => c.name === 'poll-endpoint' && c.id.endsWith(`:${firstTick}`));
    expect(firstJobs.map((c) => c.id).sort()).toEqual(
      [pollJobId(endpointA.id, firstTick), pollJobId(endpointB.id, firstTick)].sort(),
    );
    expect(events.filter((e) => e.pattern === EventPattern.StatusUpdated).map((e) => e.payload)).toEqual(
      expect.arrayContaining([expect.objectContaining({ endpointIds: [endpointA.id] })]),
    );

    const topology = buildTopology([endpointA, endpointB], [sa, sb], new Date(), { pollIntervalMs: POLL_INTERVAL_MS });
    expect(topology.edges).toEqual([
      expect.objectContaining({
        source: endpointA.id,
        target: endpointB.id,
        state: 'streaming',
        subscription: 'sub_b',
      }),
    ]);
  });

  it('a stopped cluster turns unreachable (refused/timeout) while the other keeps being polled; restart recovers', async () => {
    await b.stop();
    const downB = await expectEventually(
      async () => {
        const s = await status(endpointB.id);
        expect(s.reachability).toBe('unreachable');
        expect(['connection-refused', 'timeout']).toContain(s.lastError?.code);
        return s;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(downB.consecutiveFailures).toBeGreaterThanOrEqual(1);
    expect(downB.lastSeenAt).not.toBeNull();
    expect(downB.subscriptions.map((s) => s.name)).toEqual(['sub_b']); // last known catalog kept
    expect(app.get(EndpointConnectionManager).state(endpointB.id)?.connected).toBe(false);

    // A is polled on, fast, while B is down.
    const before = await status(endpointA.id);
    const after = await expectEventually(
      async () => {
        const s = await status(endpointA.id);
        expect(Date.parse(s.checkedAt)).toBeGreaterThan(Date.parse(before.checkedAt));
        return s;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(after.reachability).toBe('reachable');
    expect(after.rttMs).toBeLessThan(500);

    await b.start();
    const back = await expectEventually(
      async () => {
        const s = await status(endpointB.id);
        expect(s.reachability).toBe('reachable');
        return s;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(back).toMatchObject({ consecutiveFailures: 0, lastError: null });
    expect(app.get(EndpointConnectionManager).state(endpointB.id)?.connected).toBe(true);
  });

  it('an endpoint prm cannot log in to but whose subscriber still receives is unreachable-from-prm', async () => {
    await a.setHba({ hba: ['host all prm 127.0.0.1/32 reject'] });
    app.get(MonitorPollService).endpointChanged(endpointA.id); // drop the open session; the next login is refused
    try {
      const [sa, sb] = await expectEventually(
        async () => {
          const both = await Promise.all([status(endpointA.id), status(endpointB.id)]);
          expect(both[0].reachability).toBe('unreachable');
          expect(both[1].reachability).toBe('reachable');
          expect(both[1].subscriptions[0]?.workerPid).toEqual(expect.any(Number));
          return both;
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(sa.lastError?.code).toBe('no-pg-hba-entry');
      const view = buildTopology([endpointA, endpointB], [sa, sb], new Date(), { pollIntervalMs: POLL_INTERVAL_MS });
      expect(view.nodes.find((n) => n.id === endpointA.id)?.reachability).toBe('unreachable-from-prm');
      expect(view.edges[0]).toMatchObject({ state: 'streaming', lagBytes: null });
    } finally {
      await a.setHba({});
    }
  });
});

/**
 * Seeds prm's metadata DB with a synthetic fleet through the real repositories: endpoints, their latest snapshots
 * (`endpoint_status`: publications, slots, subscriptions with conninfo targets, per-table states) and the streams
 * plus `stream_status` rows derived from those snapshots by the monitor's own `StreamStatusService.afterPoll`
 * (so the rows are what a real poll would store). Used by the API and console benchmarks.
 */
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type EndpointStatus, type EndpointView, type SlotInfo, type SubscriptionInfo } from '@prm/contracts';
import {
  EndpointRepository,
  EndpointStatusRepository,
  MetricSampleRepository,
  PersistenceModule,
  StreamRepository,
  StreamStatusRepository,
  toEndpointView,
  WalSampleRepository,
} from '@prm/persistence';
import { PersistenceMonitorStore, StreamStatusService } from '@prm/monitor-service';

export interface SeededFleet {
  endpoints: EndpointView[];
  statuses: Map<string, EndpointStatus>;
  streams: number;
  app: INestApplicationContext;
  /** Upserts a snapshot (e.g. to flip one endpoint's reachability). */
  saveStatus(status: EndpointStatus): Promise<void>;
  close(): Promise<void>;
}

const TABLES = ['public.customers', 'public.orders', 'public.order_items', 'public.events'];
const lsn = (n: number) => `0/${(0x1000000 + n * 4096).toString(16).toUpperCase()}`;

/**
 * Half the endpoints publish (`pub_<i>`, 4 tables), the other half subscribe, `streams` subscriptions in total
 * spread evenly over the subscribers, each to a different publisher; a subscriber's endpoint row names its
 * publisher host/port/db so the topology joins them. 10 % of the subscribers lag (lag in LSN and time).
 * Endpoint i is in group (cloud/region/network) i mod `groups`.
 * @param url metadata DB URL (migrated here when new)
 */
export async function seedFleet(url: string, nodes: number, streams: number, groups = 15): Promise<SeededFleet> {
  const app = await NestFactory.createApplicationContext(PersistenceModule.forRoot({ url }), { logger: ['error'] });
  const endpointsRepo = app.get(EndpointRepository);
  const statusRepo = app.get(EndpointStatusRepository);
  const now = new Date().toISOString();
  const publishers = Math.ceil(nodes / 2);
  const endpoints: EndpointView[] = [];
  for (let i = 0; i < nodes; i++) {
    endpoints.push(
      toEndpointView(
        await endpointsRepo.insert({
          name: `${i < publishers ? 'pub' : 'sub'}-${String(i).padStart(3, '0')}`,
          host: `db-${i}.bench.internal`,
          port: 5432,
          dbname: `app_${i}`,
          sslmode: 'require',
          cloud: 'aws',
          region: ['us-east-1', 'eu-west-1', 'ap-south-1'][(i % groups) % 3],
          network: `vpc-${i % groups}`,
          role: i < publishers ? 'primary' : 'replica',
          credential: { kind: 'env', user: 'prm', passwordEnv: 'BENCH_UNUSED_PW' },
        }),
      ),
    );
  }
  const subscribers = endpoints.slice(publishers);
  const perSub = Math.max(1, Math.round(streams / Math.max(1, subscribers.length)));
  const slotsByPublisher = new Map<number, SlotInfo[]>();
  const subsByEndpoint = new Map<string, SubscriptionInfo[]>();
  let made = 0;
  subscribers.forEach((sub, j) => {
    const list: SubscriptionInfo[] = [];
    for (let k = 0; k < perSub && made < streams; k++, made++) {
      const p = (j + k * 7) % publishers;
      const name = `sub_${j}_${k}`;
      const lagging = j % 10 === 0;
      list.push({
        oid: 16000 + made,
        name,
        enabled: true,
        publications: [`pub_${p}`],
        slotName: name,
        conninfo: `host=db-${p}.bench.internal port=5432 dbname=app_${p} user=prm sslmode=require`,
        publisherHost: `db-${p}.bench.internal`,
        publisherPort: 5432,
        publisherDbname: `app_${p}`,
        conninfoHasPassword: false,
        workerPid: 4000 + made,
        receivedLsn: lsn(lagging ? 10 : 100),
        latestEndLsn: lsn(lagging ? 10 : 100),
        lastMsgReceiptTime: now,
        latestEndTime: lagging ? new Date(Date.now() - 90_000).toISOString() : now,
        applyErrorCount: 0,
        syncErrorCount: 0,
        options: { binary: false, streaming: 'parallel', disable_on_error: false },
        tables: TABLES.map((table) => ({ table, state: 'r' as const, lsn: lsn(1) })),
        syncWorkers: [],
      });
      const slots = slotsByPublisher.get(p) ?? [];
      slots.push({
        name,
        plugin: 'pgoutput',
        slotType: 'logical',
        database: `app_${p}`,
        active: true,
        activePid: 5000 + made,
        walStatus: 'reserved',
        restartLsn: lsn(lagging ? 10 : 99),
        confirmedFlushLsn: lsn(lagging ? 10 : 100),
        retainedBytes: lagging ? 90 * 4096 : 4096,
        lagBytes: lagging ? 90 * 4096 : 0,
        walsenderState: 'streaming',
      });
      slotsByPublisher.set(p, slots);
    }
    subsByEndpoint.set(sub.id, list);
  });
  const statuses = new Map<string, EndpointStatus>();
  endpoints.forEach((e, i) => {
    const isPub = i < publishers;
    statuses.set(e.id, {
      endpointId: e.id,
      reachability: 'reachable',
      rttMs: 1.2,
      serverVersion: '17.6',
      serverVersionNum: 170006,
      walLevel: 'logical',
      serverTime: now,
      walLsn: lsn(100),
      lastError: null,
      lastSeenAt: now,
      checkedAt: now,
      consecutiveFailures: 0,
      publications: isPub
        ? [
            {
              name: `pub_${i}`,
              allTables: false,
              tables: TABLES,
              insert: true,
              update: true,
              delete: true,
              truncate: true,
            },
          ]
        : [],
      subscriptions: subsByEndpoint.get(e.id) ?? [],
      slots: isPub ? (slotsByPublisher.get(i) ?? []) : [],
      copyProgress: [],
      maxSyncWorkers: 2,
      tableSizes: isPub
        ? TABLES.map((table, t) => ({
            publication: `pub_${i}`,
            table,
            heapBytes: (t + 1) * 8_388_608,
            estimatedRows: (t + 1) * 50_000,
          }))
        : null,
      tableSizesAt: isPub ? now : null,
    });
  });
  for (const s of statuses.values()) await statusRepo.upsert(s);
  const store = new PersistenceMonitorStore(endpointsRepo, statusRepo);
  const derive = new StreamStatusService(
    store,
    { emit: () => undefined },
    { pollIntervalMs: 15_000, concurrency: 32 },
    app.get(StreamRepository),
    app.get(StreamStatusRepository),
    app.get(WalSampleRepository),
    app.get(MetricSampleRepository),
  );
  for (const e of subscribers) await derive.afterPoll(e, statuses.get(e.id)!);
  return {
    endpoints,
    statuses,
    streams: (await app.get(StreamRepository).list()).length,
    app,
    saveStatus: (s) => statusRepo.upsert(s),
    close: () => app.close(),
  };
}

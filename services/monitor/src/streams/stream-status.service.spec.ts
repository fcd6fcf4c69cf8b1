import { type EndpointStatus, type EndpointView, type SubscriptionInfo } from '@prm/contracts';
import {
  type DiscoveredStream,
  type MetricSample,
  type StreamDerivationInputs,
  type StreamRecord,
  type StreamStatusRecord,
  type StreamSync,
} from '@prm/persistence';

import { type MonitorStore } from '../monitor.ports.js';
import { EndpointDirectory } from '../poll/endpoint-directory.js';
import { StreamStatusService } from './stream-status.service.js';

const NOW = new Date('2026-01-01T00:01:00.000Z');
const GLOBAL = { warningBytes: 100, criticalBytes: 10_000, warningSeconds: 60, criticalSeconds: 300 };
const view = (id: string, name: string, port: number): EndpointView =>
  ({ id, name, host: '127.0.0.1', port, dbname: 'app' }) as EndpointView;
const PUB = view('pub', 'publisher', 5001);
const SUB = view('sub', 'replica', 5002);

function status(id: string, over: Partial<EndpointStatus> = {}): EndpointStatus {
  return {
    endpointId: id,
    reachability: 'reachable',
    rttMs: 1,
    serverVersion: '17',
    serverVersionNum: 170000,
    walLevel: 'logical',
    serverTime: '2026-01-01T00:00:59.000Z',
    walLsn: '0/9000',
    lastError: null,
    lastSeenAt: NOW.toISOString(),
    checkedAt: NOW.toISOString(),
    consecutiveFailures: 0,
    publications: [],
    subscriptions: [],
    slots: [],
    ...over,
  };
}

const subscription = (over: Partial<SubscriptionInfo> = {}): SubscriptionInfo =>
  ({
    oid: 1,
    name: 'sub_b',
    enabled: true,
    publications: ['pub_a'],
    slotName: 'sub_b',
    conninfo: 'host=localhost port=5001 dbname=app',
    publisherHost: 'localhost',
    publisherPort: 5001,
    publisherDbname: 'app',
    conninfoHasPassword: false,
    workerPid: 7,
    receivedLsn: null,
    latestEndLsn: null,
    lastMsgReceiptTime: null,
    latestEndTime: null,
    applyErrorCount: 0,
    syncErrorCount: 0,
    options: {},
    tables: [{ table: 'public.t', state: 'r', lsn: '0/1' }],
    syncWorkers: [],
    ...over,
  }) as SubscriptionInfo;

const pubStatus = status('pub', {
  publications: [
    { name: 'pub_a', allTables: false, tables: ['public.t'], insert: true, update: true, delete: true, truncate: true },
  ],
  slots: [
    {
      name: 'sub_b',
      plugin: 'pgoutput',
      slotType: 'logical',
      database: 'app',
      active: true,
      activePid: 9,
      walStatus: 'reserved',
      restartLsn: '0/8000',
      confirmedFlushLsn: '0/8800',
      retainedBytes: 4096,
      lagBytes: 2048,
    },
  ],
});

const record = (id: string, over: Partial<StreamRecord> = {}): StreamRecord => ({
  id,
  targetEndpointId: 'sub',
  subscriptionName: 'sub_b',
  sourceEndpointId: 'pub',
  publications: ['pub_a'],
  slotName: 'sub_b',
  origin: 'discovered',
  pausedAt: null,
  pausedBy: null,
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  ...over,
});

/** In-memory fakes of the repositories `StreamStatusService` uses, recording every batch call. */
class Fakes {
  endpoints = [PUB, SUB];
  streams: StreamRecord[] = [record('s1')];
  /** Snapshots in the metadata store. */
  stored = new Map<string, EndpointStatus>([['pub', pubStatus]]);
  removed: string[] = [];
  calls = {
    sync: [] as unknown[][],
    reads: [] as string[][],
    walWrites: [] as unknown[][],
  };
  holders: string[][] = [];
  cleared: string[][] = [];
  saves: { records: StreamStatusRecord[]; samples: MetricSample[] }[] = [];
  events: { pattern: string; payload: unknown }[] = [];

  store: MonitorStore = {
    listEndpoints: async () => this.endpoints,
    findEndpoint: async (id) => this.endpoints.find((e) => e.id === id) ?? null,
    findStatus: async (id) => this.stored.get(id) ?? null,
    saveStatus: async (s) => void this.stored.set(s.endpointId, s),
  };

  service(): StreamStatusService {
    const streams = {
      syncDiscoveredMany: async (batch: { targetEndpointId: string; streams: DiscoveredStream[] }[]) => {
        this.calls.sync.push(batch);
        return batch.map((c): StreamSync => {
          const keep = new Set(c.streams.map((s) => s.subscriptionName));
          const gone = this.streams.filter(
            (s) => s.targetEndpointId === c.targetEndpointId && !keep.has(s.subscriptionName),
          );
          this.streams = this.streams.filter((s) => !gone.includes(s));
          return { stored: [], deleted: gone.map((s) => s.id) };
        });
      },
      clearPaused: async (ids: string[]) => void this.cleared.push(ids),
      slotHolderStatuses: async (names: string[]) => {
        this.holders.push(names);
        return [...this.stored.values()].filter((s) => s.slots.some((x) => names.includes(x.name)));
      },
    };
    const statuses = {
      listForDerivationMany: async (ids: string[]) => {
        this.calls.reads.push(ids);
        return new Map(
          ids.map((id): [string, StreamDerivationInputs] => {
            const touching = this.streams.filter((s) => s.targetEndpointId === id || s.sourceEndpointId === id);
            const others = touching
              .flatMap((s) => [s.sourceEndpointId, s.targetEndpointId])
              .filter((x) => x && x !== id);
            return [
              id,
              {
                streams: touching.map((stream) => ({
                  stream,
                  previous: null,
                  thresholds: { thresholds: GLOBAL, overridden: false },
                  lastLogErrorAt: null,
                  // as the statement does it: the source's stored slot position, the first sample beyond it
                  earliestUnconfirmed: this.stored
                    .get(stream.sourceEndpointId ?? '')
                    ?.slots.some((x) => x.name === stream.slotName && x.confirmedFlushLsn === '0/8800')
                    ? { sampledAt: '2026-01-01T00:00:50.000Z', lsn: '0/8900' }
                    : null,
                })),
                endpointStatuses: others.flatMap((x) => (this.stored.has(x!) ? [this.stored.get(x!)!] : [])),
              },
            ];
          }),
        );
      },
      saveMany: async (records: StreamStatusRecord[], samples: MetricSample[]) => {
        this.saves.push({ records, samples });
        return { statuses: records.length, samples: samples.length };
      },
    };
    const walSamples = {
      insertIfChangedMany: async (batch: unknown[]) => {
        this.calls.walWrites.push(batch);
        return batch.map(() => true);
      },
      purgeOlderThan: async () => 0,
    };
    const metrics = { purgeOlderThan: async () => 0 };
    const service = new StreamStatusService(
      this.store,
      { emit: (pattern, payload) => void this.events.push({ pattern, payload }) },
      { pollIntervalMs: 15_000, concurrency: 8 },
      streams as never,
      statuses as never,
      walSamples as never,
      metrics as never,
      new EndpointDirectory(this.store, 15_000),
    );
    service.clock = () => NOW;
    return service;
  }
}

describe('StreamStatusService.afterPoll (statements per poll, events)', () => {
  it('a subscriber poll: syncs its catalog, derives its stream from both ends, stores and announces it', async () => {
    const f = new Fakes();
    const service = f.service();
    const subStatus = status('sub', { subscriptions: [subscription()] });
    expect(await service.afterPoll(SUB, subStatus)).toEqual(['s1']);

    // the publisher was found by the conninfo target
    expect(f.calls.sync).toEqual([
      [
        {
          targetEndpointId: 'sub',
          streams: [{ subscriptionName: 'sub_b', sourceEndpointId: 'pub', publications: ['pub_a'], slotName: 'sub_b' }],
        },
      ],
    ]);
    expect(f.holders).toEqual([]);
    expect(f.calls.walWrites).toEqual([[{ endpointId: 'sub', sampledAt: subStatus.serverTime, lsn: '0/9000' }]]);
    // lag seconds from the publisher's earliest WAL sample beyond its slot position (read with the streams)
    expect(f.saves).toHaveLength(1);
    const [saved] = f.saves[0].records;
    expect(saved.detail).toMatchObject({
      id: 's1',
      sourceName: 'publisher',
      targetName: 'replica',
      state: 'streaming',
      lag: { bytes: 2048, seconds: 9 },
      level: 'warning',
    });
    expect(f.saves[0].samples).toEqual([
      { streamId: 's1', sampledAt: NOW.toISOString(), lagBytes: 2048, lagSeconds: 9, backfillPercent: null },
    ]);
    expect(f.events).toEqual([
      { pattern: 'stream.updated', payload: { type: 'stream.updated', streamIds: ['s1'], at: NOW.toISOString() } },
    ]);
  });

  it('a dropped subscription: its stream is removed and announced even when no stream remains', async () => {
    const f = new Fakes();
    const service = f.service();
    expect(await service.afterPoll(SUB, status('sub', { subscriptions: [] }))).toEqual([]);
    expect(f.streams).toEqual([]);
    expect(f.saves).toEqual([]);
    expect(f.events).toEqual([
      { pattern: 'stream.updated', payload: { type: 'stream.updated', streamIds: ['s1'], at: NOW.toISOString() } },
    ]);
    // nothing touches the endpoint and nothing vanished: no event at all
    await service.afterPoll(SUB, status('sub', { subscriptions: [] }));
    expect(f.events).toHaveLength(1);
  });

  it('an unreachable endpoint: no WAL sample, no catalog sync, its streams still re-derived', async () => {
    const f = new Fakes();
    const service = f.service();
    const down = status('pub', { reachability: 'unreachable', slots: pubStatus.slots, serverTime: null, walLsn: null });
    expect(await service.afterPoll(PUB, down)).toEqual(['s1']);
    expect(f.calls.sync).toEqual([]);
    expect(f.calls.walWrites).toEqual([]);
    // the in-memory snapshot of the polled endpoint wins over the stored one
    expect(f.saves[0].records[0].detail.lag.bytes).toBeNull();
  });

  it('without a readable conninfo, only the snapshots holding the slot are read to find the publisher', async () => {
    const f = new Fakes();
    const service = f.service();
    const sub = subscription({ conninfo: null, publisherHost: null, publisherPort: null, publisherDbname: null });
    await service.afterPoll(SUB, status('sub', { subscriptions: [sub] }));
    expect(f.holders).toEqual([['sub_b']]);
    expect((f.calls.sync[0][0] as { streams: DiscoveredStream[] }).streams[0].sourceEndpointId).toBe('pub');
  });

  it('polls finishing together share each statement', async () => {
    const f = new Fakes();
    f.endpoints = [PUB, SUB, view('sub2', 'replica-2', 5003), view('sub3', 'replica-3', 5004)];
    f.streams = [
      record('s1'),
      record('s2', { targetEndpointId: 'sub2', slotName: 'sub_c', subscriptionName: 'sub_c' }),
      record('s3', { targetEndpointId: 'sub3', slotName: 'sub_d', subscriptionName: 'sub_d' }),
    ];
    const service = f.service();
    const polls = [
      service.afterPoll(SUB, status('sub', { subscriptions: [subscription()] })),
      service.afterPoll(f.endpoints[2], status('sub2', { subscriptions: [subscription({ name: 'sub_c' })] })),
      service.afterPoll(f.endpoints[3], status('sub3', { subscriptions: [subscription({ name: 'sub_d' })] })),
    ];
    expect(await Promise.all(polls)).toEqual([['s1'], ['s2'], ['s3']]);
    // the first poll's statement runs alone, the two others share the next one
    expect(f.calls.reads).toEqual([['sub'], ['sub2', 'sub3']]);
    expect(f.calls.sync.map((b) => b.length)).toEqual([1, 2]);
    expect(f.saves.flatMap((s) => s.records.map((r) => r.streamId)).sort()).toEqual(['s1', 's2', 's3']);
  });
});

describe('StreamStatusService: streams paused through prm', () => {
  const paused = (minutesAgo: number) =>
    record('s1', { pausedAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(), pausedBy: 'alice' });

  it('derives "paused by" while disabled, and forgets a pause once the subscription is seen enabled again', async () => {
    const f = new Fakes();
    f.streams = [paused(10)];
    const service = f.service();
    await service.afterPoll(SUB, status('sub', { subscriptions: [subscription({ enabled: false, workerPid: null })] }));
    expect(f.saves[0].records[0].detail).toMatchObject({ state: 'disabled', pausedBy: 'alice' });
    expect(f.saves[0].records[0].detail.stateReason).toMatch(/^paused through prm by alice at /);
    expect(f.cleared).toEqual([]);
    await service.afterPoll(SUB, status('sub', { subscriptions: [subscription()] })); // enabled outside prm
    expect(f.cleared).toEqual([['s1']]);
  });

  it('keeps a pause recorded moments ago: the run disables the subscription just after recording it', async () => {
    const f = new Fakes();
    f.streams = [paused(0.1)];
    await f.service().afterPoll(SUB, status('sub', { subscriptions: [subscription()] }));
    expect(f.cleared).toEqual([]);
  });
});

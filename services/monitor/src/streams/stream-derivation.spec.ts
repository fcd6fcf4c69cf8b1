import { type EndpointStatus, type EndpointView } from '@prm/contracts';
import { type StreamRecord } from '@prm/persistence';

import { type BackfillObservation, type EstimateBackfill } from '../backfill/backfill.types.js';
import { resolveStreamSettings } from '../monitor.ports.js';
import { type StreamDerivationInput, deriveStream } from './stream-status.service.js';

const NOW = new Date('2026-01-01T00:01:00.000Z');
const endpoint = (id: string, name: string): EndpointView => ({ id, name }) as EndpointView;

function status(id: string, over: Partial<EndpointStatus> = {}): EndpointStatus {
  return {
    endpointId: id,
    reachability: 'reachable',
    rttMs: 1,
    serverVersion: '17',
    serverVersionNum: 170000,
    walLevel: 'logical',
    serverTime: '2026-01-01T00:00:59.000Z',
    walLsn: '0/5000',
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

const stream: StreamRecord = {
  id: 's1',
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
};

const subscription = (over: Record<string, unknown> = {}) => ({
  oid: 1,
  name: 'sub_b',
  enabled: true,
  publications: ['pub_a'],
  slotName: 'sub_b',
  conninfo: null,
  publisherHost: null,
  publisherPort: null,
  publisherDbname: null,
  conninfoHasPassword: false,
  workerPid: 7,
  receivedLsn: null,
  latestEndLsn: null,
  lastMsgReceiptTime: null,
  latestEndTime: null,
  applyErrorCount: 0,
  syncErrorCount: 0,
  options: { disable_on_error: false },
  tables: [
    { table: 'public.t', state: 'r' as const, lsn: '0/1' },
    { table: 'public.big', state: 'd' as const, lsn: null },
  ],
  syncWorkers: [],
  ...over,
});

const observations: BackfillObservation[] = [];
const estimate: EstimateBackfill = (_prev, observation) => {
  observations.push(observation);
  return { view: null, tables: [], tracking: { seen: observations.length } };
};

function input(over: Partial<StreamDerivationInput> = {}): StreamDerivationInput {
  return {
    stream,
    target: endpoint('sub', 'replica'),
    targetStatus: status('sub', {
      subscriptions: [subscription()],
      copyProgress: [{ command: 'COPY FROM', pid: 9, table: 'public.big', tuplesProcessed: 500, bytesProcessed: 9000 }],
      maxSyncWorkers: 2,
    }),
    source: endpoint('pub', 'primary'),
    sourceStatus: status('pub', {
      publications: [
        {
          name: 'pub_a',
          allTables: false,
          tables: ['public.big', 'public.new', 'public.t'],
          insert: true,
          update: true,
          delete: false,
          truncate: false,
        },
      ],
      slots: [
        {
          name: 'sub_b',
          plugin: 'pgoutput',
          slotType: 'logical',
          database: 'app',
          active: true,
          activePid: 3,
          walStatus: 'reserved',
          restartLsn: '0/1000',
          confirmedFlushLsn: '0/4000',
          retainedBytes: 16384,
          lagBytes: 4096,
          writeLagSeconds: null,
          flushLagSeconds: 0.5,
          replayLagSeconds: null,
        },
      ],
      tableSizes: [{ publication: 'pub_a', table: 'public.big', heapBytes: 81920, estimatedRows: 1000 }],
    }),
    previous: null,
    thresholds: {
      thresholds: { warningBytes: 1000, criticalBytes: 100_000, warningSeconds: null, criticalSeconds: null },
      overridden: true,
    },
    earliestUnconfirmed: { sampledAt: '2026-01-01T00:00:50.000Z', lsn: '0/4800' },
    lastLogErrorAt: null,
    now: NOW,
    settings: resolveStreamSettings({ pollIntervalMs: 1000, concurrency: 1 }),
    estimate,
    ...over,
  };
}

describe('deriveStream', () => {
  it('joins both ends: lag from the publisher slot and WAL samples, drift, level, backfill observation', () => {
    observations.length = 0;
    const { detail, tracking } = deriveStream(input());
    expect(detail.lag).toEqual({
      bytes: 4096,
      seconds: 9,
      writeLagSeconds: null,
      flushLagSeconds: 0.5,
      replayLagSeconds: null,
    });
    expect(detail).toMatchObject({
      state: 'backfilling',
      level: 'warning',
      sourceName: 'primary',
      targetName: 'replica',
      drift: { missingOnSubscriber: ['public.new'], notInPublication: [] },
      slotDetail: { name: 'sub_b', active: true, retainedBytes: 16384 },
      publicationDetail: { names: ['pub_a'], operations: { insert: true, update: true, delete: false } },
    });
    expect(observations[0].tables).toEqual([
      { table: 'public.t', state: 'r', rowsCopied: null, bytesCopied: null, rowsEstimated: null, sizeBytes: null },
      { table: 'public.big', state: 'd', rowsCopied: 500, bytesCopied: 9000, rowsEstimated: 1000, sizeBytes: 81920 },
    ]);
    expect(observations[0]).toMatchObject({ maxSyncWorkers: 2, syncErrorCount: 0 });
    expect(tracking).toMatchObject({ everHadWorker: true, backfill: { seen: 1 }, applyErrorCount: 0 });

    // The same subscriber snapshot again (publisher's poll): no second estimator call, counters unchanged.
    const again = deriveStream(
      input({ previous: { streamId: 's1', detail, tracking: { ...tracking }, updatedAt: '' } }),
    );
    expect(observations).toHaveLength(1);
    expect(again.tracking.workerMissingPolls).toBe(0);
  });

  it('a rising error counter turns the stream error for the hold window', () => {
    const first = deriveStream(input());
    const sub = status('sub', {
      serverTime: '2026-01-01T00:01:00.000Z',
      subscriptions: [subscription({ applyErrorCount: 3 })],
    });
    const prev = { streamId: 's1', detail: first.detail, tracking: { ...first.tracking }, updatedAt: '' };
    const rose = deriveStream(input({ targetStatus: sub, previous: prev }));
    expect(rose.detail).toMatchObject({ state: 'error', stateReason: 'apply_error_count rose 0 → 3' });
    expect(rose.detail.lastErrorAt).toBe('2026-01-01T00:01:00.000Z');
    const later = status('sub', {
      serverTime: '2026-01-01T00:02:00.000Z',
      checkedAt: '2026-01-01T00:02:00.000Z',
      subscriptions: [subscription({ applyErrorCount: 3 })],
    });
    const cleared = deriveStream(
      input({
        targetStatus: later,
        now: new Date('2026-01-01T00:02:00.000Z'),
        sourceStatus: { ...input().sourceStatus!, checkedAt: '2026-01-01T00:02:00.000Z' },
        previous: { streamId: 's1', detail: rose.detail, tracking: { ...rose.tracking }, updatedAt: '' },
      }),
    );
    expect(cleared.detail.state).toBe('backfilling');
  });

  it('a logged replication error, an unreachable publisher and a stale subscriber', () => {
    expect(deriveStream(input({ lastLogErrorAt: '2026-01-01T00:00:58.000Z' })).detail.stateReason).toBe(
      'replication error logged at 2026-01-01T00:00:58.000Z',
    );
    const down = deriveStream(input({ sourceStatus: { ...input().sourceStatus!, reachability: 'unreachable' } }));
    expect(down.detail).toMatchObject({ state: 'unknown', stateReason: 'publisher primary unreachable' });
    expect(down.detail.lag.bytes).toBeNull();
    const stale = { ...input().targetStatus!, checkedAt: '2026-01-01T00:00:00.000Z' };
    expect(deriveStream(input({ targetStatus: stale })).detail.state).toBe('unknown');
    const gone = deriveStream(input({ targetStatus: status('sub', { subscriptions: [] }) }));
    expect(gone.detail).toMatchObject({ state: 'unknown', subscriptionDetail: null });
  });
});

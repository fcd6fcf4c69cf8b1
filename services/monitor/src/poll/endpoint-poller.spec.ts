import { type EndpointStatus, type EndpointView } from '@prm/contracts';
import { type DiscoveryResult } from '@prm/pg';

import { type EndpointConnectionManager, type MonitorConnection } from './endpoint-connection.manager.js';
import { EndpointPollerService, tableSizesDue } from './endpoint-poller.service.js';

const NOW = new Date('2026-01-01T00:10:00.000Z');
const pub = {
  name: 'p',
  allTables: false,
  tables: ['public.t'],
  insert: true,
  update: true,
  delete: true,
  truncate: true,
};
const result = (over: Partial<DiscoveryResult> = {}): DiscoveryResult =>
  ({ inRecovery: false, publications: [pub], copyProgress: [], ...over }) as DiscoveryResult;
const previous = (over: Partial<EndpointStatus> = {}): EndpointStatus =>
  ({
    tableSizes: [{ publication: 'p', table: 'public.t', heapBytes: 8192, estimatedRows: 10 }],
    tableSizesAt: '2026-01-01T00:09:30.000Z',
    copyProgress: [],
    ...over,
  }) as EndpointStatus;

describe('tableSizesDue (publisher size query at most once per refresh interval)', () => {
  it('not on a non-publisher or a standby', () => {
    expect(tableSizesDue(result({ publications: [] }), null, NOW, 60_000)).toBe(false);
    expect(tableSizesDue(result({ inRecovery: true }), null, NOW, 60_000)).toBe(false);
  });
  it('on the first poll and once the interval passed', () => {
    expect(tableSizesDue(result(), null, NOW, 60_000)).toBe(true);
    expect(tableSizesDue(result(), previous(), NOW, 60_000)).toBe(false);
    expect(tableSizesDue(result(), previous(), NOW, 30_000)).toBe(true);
    expect(tableSizesDue(result(), previous({ tableSizesAt: null }), NOW, 60_000)).toBe(true);
  });
  it('when a COPY TO starts or the published tables change', () => {
    const copy = { command: 'COPY TO' as const, pid: 1, table: 'public.t', tuplesProcessed: 1, bytesProcessed: 1 };
    expect(tableSizesDue(result({ copyProgress: [copy] }), previous(), NOW, 60_000)).toBe(true);
    expect(tableSizesDue(result({ copyProgress: [copy] }), previous({ copyProgress: [copy] }), NOW, 60_000)).toBe(
      false,
    );
    const more = { ...pub, tables: ['public.t', 'public.u'] };
    expect(tableSizesDue(result({ publications: [more] }), previous(), NOW, 60_000)).toBe(true);
  });
});

describe('EndpointPollerService.poll (previous snapshot read while the endpoint answers)', () => {
  const endpoint = { id: 'e1', name: 'pub', host: '127.0.0.1', port: 5001, dbname: 'app' } as EndpointView;
  const discovery = {
    now: '2026-01-01T00:09:59.000Z',
    server_version_num: 170002,
    server_version: '17.2',
    wal_level: 'logical',
    database: 'app',
    in_recovery: false,
    wal_lsn: '0/5000',
    publications: [
      { name: 'p', all_tables: false, tables: ['public.t'], insert: true, update: true, delete: true, truncate: true },
    ],
    subscriptions: [],
    slots: [],
    copy: [],
    max_sync_workers: 2,
  };

  /** A session whose statements answer from `answers` in order; records the order of events. */
  function connections(log: string[], fail?: Error): EndpointConnectionManager {
    const answers = [
      { rows: [{ d: discovery }] },
      { rows: [{ d: [{ publication: 'p', table: 'public.t', heap_bytes: 16384, est_rows: 20 }] }] },
    ];
    return {
      run: async <T>(_e: EndpointView, fn: (conn: MonitorConnection) => Promise<T>): Promise<T> => {
        if (fail) {
          log.push('endpoint failed');
          throw fail;
        }
        return fn({
          serverVersionNum: 170002,
          query: async () => {
            log.push('statement');
            return answers.shift()!;
          },
        } as unknown as MonitorConnection);
      },
    } as unknown as EndpointConnectionManager;
  }

  /** A store read that resolves (or rejects) when the test says so. */
  function pendingRead(log: string[]) {
    let settle!: (v: EndpointStatus | null | Error) => void;
    const read = new Promise<EndpointStatus | null>((resolve, reject) => {
      settle = (v) => {
        log.push('previous read');
        return v instanceof Error ? reject(v) : resolve(v);
      };
    });
    return { read, settle };
  }

  it('sends the discovery statement before the previous snapshot arrives, then decides the size query with it', async () => {
    const log: string[] = [];
    const poller = new EndpointPollerService(connections(log), () => NOW, 60_000);
    const { read, settle } = pendingRead(log);
    const polling = poller.poll(endpoint, read);
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['statement']);
    settle(previous()); // sizes from 30 s ago: not due
    const status = await polling;
    expect(log).toEqual(['statement', 'previous read']);
    expect(status).toMatchObject({ reachability: 'reachable', tableSizesAt: '2026-01-01T00:09:30.000Z' });

    const log2: string[] = [];
    const fresh = await new EndpointPollerService(connections(log2), () => NOW, 60_000).poll(endpoint, null);
    expect(log2).toEqual(['statement', 'statement']); // first poll: the size query runs
    expect(fresh.tableSizes).toEqual([{ publication: 'p', table: 'public.t', heapBytes: 16384, estimatedRows: 20 }]);
  });

  it('a failed store read fails the poll with that error, whether or not the endpoint answered', async () => {
    const storeDown = new Error('metadata DB down');
    for (const endpointError of [undefined, new Error('connect ECONNREFUSED 127.0.0.1:5001')]) {
      const log: string[] = [];
      const poller = new EndpointPollerService(connections(log, endpointError), () => NOW, 60_000);
      await expect(poller.poll(endpoint, Promise.reject(storeDown))).rejects.toBe(storeDown);
    }
  });

  it('an endpoint not reached keeps the last known facts of the previous snapshot', async () => {
    const log: string[] = [];
    const poller = new EndpointPollerService(
      connections(log, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      () => NOW,
      60_000,
    );
    const status = await poller.poll(
      endpoint,
      Promise.resolve(previous({ consecutiveFailures: 2, lastSeenAt: '2026-01-01T00:05:00.000Z', walLsn: '0/4000' })),
    );
    expect(status).toMatchObject({
      reachability: 'unreachable',
      consecutiveFailures: 3,
      lastSeenAt: '2026-01-01T00:05:00.000Z',
      walLsn: '0/4000',
      lastError: { code: 'connection-refused', at: NOW.toISOString() },
    });
  });
});

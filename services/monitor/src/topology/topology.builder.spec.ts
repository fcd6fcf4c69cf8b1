import { type EndpointStatus, type EndpointView, type SlotInfo, type SubscriptionInfo } from '@prm/contracts';

import { buildTopology, findPublisher, normalizeHost, publisherFinder } from './topology.builder.js';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const iso = (msBeforeNow: number): string => new Date(NOW.getTime() - msBeforeNow).toISOString();

function endpoint(id: string, over: Partial<EndpointView> = {}): EndpointView {
  return {
    id,
    name: `ep-${id}`,
    host: `${id}.db.internal`,
    port: 5432,
    dbname: 'app',
    sslmode: 'require',
    cloud: 'aws',
    region: 'eu-west-1',
    network: 'vpc-1',
    role: 'primary',
    credential: { kind: 'env', user: 'prm', passwordEnv: 'PW' },
    logSource: { kind: 'none' },
    createdAt: iso(86_400_000),
    updatedAt: iso(86_400_000),
    ...over,
  };
}

function subscription(name: string, over: Partial<SubscriptionInfo> = {}): SubscriptionInfo {
  return {
    oid: 16400,
    name,
    enabled: true,
    publications: ['pub'],
    slotName: name,
    conninfo: 'host=a.db.internal port=5432 dbname=app user=rep',
    publisherHost: 'a.db.internal',
    publisherPort: 5432,
    publisherDbname: 'app',
    conninfoHasPassword: false,
    workerPid: 4242,
    receivedLsn: '0/3000000',
    latestEndLsn: '0/3000000',
    lastMsgReceiptTime: iso(5_000),
    latestEndTime: iso(5_000),
    applyErrorCount: 0,
    syncErrorCount: 0,
    ...over,
  };
}

function slot(name: string, over: Partial<SlotInfo> = {}): SlotInfo {
  return {
    name,
    plugin: 'pgoutput',
    slotType: 'logical',
    database: 'app',
    active: true,
    activePid: 777,
    walStatus: 'reserved',
    restartLsn: '0/2000000',
    confirmedFlushLsn: '0/3000000',
    retainedBytes: 16_777_216,
    lagBytes: 1024,
    ...over,
  };
}

function status(endpointId: string, over: Partial<EndpointStatus> = {}): EndpointStatus {
  return {
    endpointId,
    reachability: 'reachable',
    rttMs: 2,
    serverVersion: '17.2',
    serverVersionNum: 170002,
    walLevel: 'logical',
    serverTime: iso(1_000),
    walLsn: '0/3000400',
    lastError: null,
    lastSeenAt: iso(1_000),
    checkedAt: iso(1_000),
    consecutiveFailures: 0,
    publications: [],
    subscriptions: [],
    slots: [],
    ...over,
  };
}

const unreachable = (endpointId: string, over: Partial<EndpointStatus> = {}): EndpointStatus =>
  status(endpointId, {
    reachability: 'unreachable',
    rttMs: null,
    lastError: { code: 'timeout', message: 'connect timed out after 5000 ms', at: iso(1_000) },
    consecutiveFailures: 3,
    lastSeenAt: iso(600_000),
    ...over,
  });

describe('normalizeHost', () => {
  it('lower-cases, drops a trailing dot and unifies loopback names', () => {
    expect(normalizeHost('DB.Example.COM.')).toBe('db.example.com');
    expect(normalizeHost('127.0.0.1')).toBe('localhost');
    expect(normalizeHost('LocalHost')).toBe('localhost');
    expect(normalizeHost('::1')).toBe('localhost');
  });
});

describe('buildTopology', () => {
  const a = endpoint('a');
  const b = endpoint('b', { role: 'replica', region: null, network: null, cloud: 'gcp' });

  it('makes one node per endpoint, grouped by cloud / region / network, unknown without a status', () => {
    const view = buildTopology([a, b], [], NOW);
    expect(view.generatedAt).toBe(NOW.toISOString());
    expect(view.nodes.map((n) => [n.id, n.group, n.reachability, n.checkedAt])).toEqual([
      ['a', 'aws / eu-west-1 / vpc-1', 'unknown', null],
      ['b', 'gcp / - / -', 'unknown', null],
    ]);
    expect(view.edges).toEqual([]);
  });

  it('draws a streaming edge publisher → subscriber with the lag of the publisher slot', () => {
    const view = buildTopology(
      [a, b],
      [
        status('a', { slots: [slot('sub_b', { lagBytes: 2048 }), slot('other')] }),
        status('b', { subscriptions: [subscription('sub_b')] }),
      ],
      NOW,
    );
    expect(view.edges).toEqual([
      {
        id: 'b:sub_b',
        source: 'a',
        target: 'b',
        subscription: 'sub_b',
        publications: ['pub'],
        slotName: 'sub_b',
        state: 'streaming',
        lagBytes: 2048,
      },
    ]);
    expect(view.nodes.find((n) => n.id === 'b')).toMatchObject({
      reachability: 'reachable',
      serverVersion: '17.2',
      rttMs: 2,
    });
  });

  it('matches hosts case-insensitively, localhost = 127.0.0.1, default port 5432', () => {
    const local = endpoint('l', { host: '127.0.0.1', port: 5432, dbname: 'src' });
    const sub = subscription('s', { publisherHost: 'LOCALHOST', publisherPort: null, publisherDbname: 'src' });
    const view = buildTopology([local, b], [status('l'), status('b', { subscriptions: [sub] })], NOW);
    expect(view.edges.map((e) => [e.source, e.target])).toEqual([['l', 'b']]);

    const upper = subscription('s2', { publisherHost: 'A.DB.Internal', publisherPort: 5432 });
    expect(buildTopology([a, b], [status('a'), status('b', { subscriptions: [upper] })], NOW).edges[0].source).toBe(
      'a',
    );
  });

  it('does not match a different port or dbname, and skips subscriptions to unknown publishers', () => {
    const wrongPort = subscription('p', { publisherPort: 6432 });
    const wrongDb = subscription('d', { publisherDbname: 'other' });
    const external = subscription('x', { publisherHost: 'elsewhere.example.com' });
    const view = buildTopology(
      [a, b],
      [status('a'), status('b', { subscriptions: [wrongPort, wrongDb, external] })],
      NOW,
    );
    expect(view.edges).toEqual([]);
  });

  it('matches a conninfo without dbname only when one endpoint listens on that host and port', () => {
    const a2 = endpoint('a2', { host: 'a.db.internal', dbname: 'second' });
    const sub = subscription('s', { publisherDbname: null });
    expect(buildTopology([a, b], [status('b', { subscriptions: [sub] })], NOW).edges).toHaveLength(1);
    expect(buildTopology([a, a2, b], [status('b', { subscriptions: [sub] })], NOW).edges).toHaveLength(0);
  });

  it('falls back to a unique slot name when the conninfo is not readable', () => {
    const c = endpoint('c');
    const hidden = subscription('s', {
      conninfo: null,
      publisherHost: null,
      publisherPort: null,
      publisherDbname: null,
    });
    const one = buildTopology(
      [a, b, c],
      [status('a', { slots: [slot('s')] }), status('b', { subscriptions: [hidden] }), status('c')],
      NOW,
    );
    expect(one.edges.map((e) => [e.source, e.target, e.lagBytes])).toEqual([['a', 'b', 1024]]);

    const ambiguous = buildTopology(
      [a, b, c],
      [
        status('a', { slots: [slot('s')] }),
        status('b', { subscriptions: [hidden] }),
        status('c', { slots: [slot('s')] }),
      ],
      NOW,
    );
    expect(ambiguous.edges).toEqual([]);
  });

  it('derives disabled and down from the subscriber catalog', () => {
    const view = buildTopology(
      [a, b],
      [
        status('a'),
        status('b', {
          subscriptions: [
            subscription('off', { enabled: false, workerPid: null }),
            subscription('crashed', { workerPid: null }),
          ],
        }),
      ],
      NOW,
    );
    expect(view.edges.map((e) => [e.id, e.state])).toEqual([
      ['b:crashed', 'down'],
      ['b:off', 'disabled'],
    ]);
  });

  it('marks edges unreachable when the subscriber cannot be polled; no edges before it was polled', () => {
    const sub = subscription('sub_b');
    const down = buildTopology(
      [a, b],
      [status('a', { slots: [slot('sub_b')] }), unreachable('b', { subscriptions: [sub] })],
      NOW,
    );
    expect(down.edges).toEqual([expect.objectContaining({ id: 'b:sub_b', state: 'unreachable', lagBytes: 1024 })]);
    expect(down.nodes.map((n) => n.reachability)).toEqual(['reachable', 'unreachable']);

    const never = buildTopology([a, b], [status('a')], NOW);
    expect(never.edges).toEqual([]);
  });

  describe('holistic reachability', () => {
    const c = endpoint('c', { role: 'replica' });

    it('keeps an endpoint unreachable-from-prm while a subscriber still receives from it', () => {
      const view = buildTopology(
        [a, b],
        [unreachable('a', { slots: [slot('sub_b')] }), status('b', { subscriptions: [subscription('sub_b')] })],
        NOW,
      );
      expect(view.nodes[0].reachability).toBe('unreachable-from-prm');
      // The stream works; only prm lost the publisher: state from the subscriber, no stale lag.
      expect(view.edges).toEqual([expect.objectContaining({ state: 'streaming', lagBytes: null })]);
    });

    it('is unreachable when every subscriber lost it too (no worker, old receipt, or disabled)', () => {
      for (const sub of [
        subscription('sub_b', { workerPid: null }),
        // 2 × 15 s + 60 s = 90 s window, measured on the subscriber's clock
        subscription('sub_b', { lastMsgReceiptTime: iso(1_000 + 90_001) }),
        subscription('sub_b', { lastMsgReceiptTime: null }),
        subscription('sub_b', { enabled: false }),
      ]) {
        const view = buildTopology([a, b], [unreachable('a'), status('b', { subscriptions: [sub] })], NOW);
        expect(view.nodes[0].reachability).toBe('unreachable');
        expect(view.edges[0].state).toBe('unreachable');
      }
    });

    it('accepts a receipt just inside the window, measured against the subscriber server clock', () => {
      // subscriber clock runs 10 minutes behind prm: receipt age on its own clock is 80 s
      const skewed = status('b', {
        serverTime: iso(600_000),
        subscriptions: [subscription('sub_b', { lastMsgReceiptTime: iso(680_000) })],
      });
      const view = buildTopology([a, b], [unreachable('a'), skewed], NOW);
      expect(view.nodes[0].reachability).toBe('unreachable-from-prm');
    });

    it('honours custom poll interval and wal_receiver_timeout', () => {
      const sub = subscription('sub_b', { lastMsgReceiptTime: iso(1_000 + 40_000) });
      const statuses = [unreachable('a'), status('b', { subscriptions: [sub] })];
      expect(buildTopology([a, b], statuses, NOW).nodes[0].reachability).toBe('unreachable-from-prm');
      const tight = buildTopology([a, b], statuses, NOW, { pollIntervalMs: 5_000, walReceiverTimeoutMs: 20_000 });
      expect(tight.nodes[0].reachability).toBe('unreachable');
    });

    it('ignores evidence from subscribers that are unreachable or whose status is stale', () => {
      const sub = subscription('sub_b');
      const stale = status('b', { checkedAt: iso(31_000), subscriptions: [sub] });
      expect(buildTopology([a, b], [unreachable('a'), stale], NOW).nodes[0].reachability).toBe('unreachable');
      const alsoDown = unreachable('b', { subscriptions: [sub] });
      expect(buildTopology([a, b], [unreachable('a'), alsoDown], NOW).nodes[0].reachability).toBe('unreachable');
    });

    it('needs only one live subscriber among several, and marks edges touching an unreachable endpoint', () => {
      const view = buildTopology(
        [a, b, c],
        [
          unreachable('a'),
          status('b', { subscriptions: [subscription('sub_b', { workerPid: null })] }),
          status('c', { subscriptions: [subscription('sub_c')] }),
        ],
        NOW,
      );
      expect(view.nodes.map((n) => n.reachability)).toEqual(['unreachable-from-prm', 'reachable', 'reachable']);
      expect(view.edges.map((e) => [e.id, e.state])).toEqual([
        ['b:sub_b', 'down'],
        ['c:sub_c', 'streaming'],
      ]);

      const dead = buildTopology(
        [a, c],
        [unreachable('a'), status('c', { subscriptions: [subscription('sub_c', { workerPid: null })] })],
        NOW,
      );
      expect(dead.edges.map((e) => e.state)).toEqual(['unreachable']);
    });

    it('ignores statuses of endpoints that no longer exist', () => {
      const view = buildTopology([b], [status('b'), status('gone')], NOW);
      expect(view.nodes.map((n) => n.id)).toEqual(['b']);
    });
  });
});

describe('publisherFinder (findPublisher for many subscriptions)', () => {
  const a = endpoint('a');
  const a2 = endpoint('a2', { host: 'A.DB.INTERNAL.', dbname: 'second' });
  const local = endpoint('l', { host: '127.0.0.1', port: 5433 });
  const b = endpoint('b');
  const c = endpoint('c');
  const endpoints = [a, a2, local, b, c];
  const hidden = (name: string, slotName: string | null = name) =>
    subscription(name, { conninfo: null, publisherHost: null, publisherPort: null, publisherDbname: null, slotName });
  const statuses = new Map<string, EndpointStatus>([
    // a holds slot s1 twice over (as a cluster lists it for each database) and a physical s3
    ['a', status('a', { slots: [slot('s1'), slot('s1'), slot('s3', { slotType: 'physical' })] })],
    ['c', status('c', { slots: [slot('s2'), slot('s4')] })],
    ['b', status('b', { slots: [slot('s4')] })],
  ]);
  const cases: SubscriptionInfo[] = [
    subscription('exact'),
    subscription('second db', { publisherHost: 'a.db.internal', publisherDbname: 'second' }),
    subscription('no dbname, two on host', { publisherDbname: null }),
    subscription('localhost', { publisherHost: 'localhost', publisherPort: 5433, publisherDbname: null }),
    subscription('default port', { publisherHost: 'a.db.internal', publisherPort: null }),
    subscription('unknown host', { publisherHost: 'z.db.internal' }),
    hidden('s1'),
    hidden('s2'),
    hidden('s3'),
    hidden('s4'),
    hidden('no slot', null),
    subscription('unreadable but named', { conninfo: 'x', publisherHost: null }),
  ];

  it('gives the same publisher as findPublisher for every rule', () => {
    const find = publisherFinder(endpoints, statuses);
    const expected = cases.map((s) => findPublisher(s, b, endpoints, statuses)?.id ?? null);
    expect(cases.map((s) => find(s, b)?.id ?? null)).toEqual(expected);
    expect(expected).toEqual(['a', 'a2', null, 'l', 'a', null, 'a', 'c', null, 'c', null, null]);
    // the subscriber itself never counts as a holder of the slot
    expect(find(hidden('s4'), c)?.id).toBe('b');
  });
});

import type { ReplicationErrorView } from '@prm/contracts';
import { forecastWal, slopePerSecond } from './forecast.js';
import { formatBytes, formatSeconds, parseKey, redact } from './format.js';
import { evaluateRules, parseFingerprint } from './rules.js';

import {
  NOW,
  PUB,
  SUB,
  STREAM,
  endpoint,
  status,
  slot,
  record,
  detail,
  stream,
  input,
  kinds,
} from './rules.fixtures.js';

describe('alert rules', () => {
  it('raises nothing on a healthy stream and slot', () => {
    expect(evaluateRules(input({}, status(PUB, { slots: [slot()] }))).conditions).toEqual([]);
  });

  it('lag: critical over bytes or seconds, warning between, counted per publisher snapshot', () => {
    const crit = stream({ detail: detail({ lag: { ...detail().lag, bytes: 5000 } }) });
    const [c] = evaluateRules(input({ streams: [crit] })).conditions;
    expect(c).toMatchObject({ kind: 'lag', severity: 'critical', observation: 'p1', minHits: 2 });
    expect(c!.summary).toContain('replica/sub1');
    expect(kinds(input({ streams: [stream({ detail: detail({ lag: { ...detail().lag, bytes: 200 } }) })] }))).toEqual([
      'lag:warning',
    ]);
    expect(kinds(input({ streams: [stream({ detail: detail({ lag: { ...detail().lag, seconds: 61 } }) })] }))).toEqual([
      'lag:critical',
    ]);
  });

  it('stream down: disabled (with ENABLE), missing worker after N polls, inactive slot after N polls', () => {
    const disabled = stream({
      detail: detail({ subscriptionDetail: { ...detail().subscriptionDetail!, enabled: false } }),
    });
    const [c] = evaluateRules(input({ streams: [disabled] })).conditions;
    expect(c).toMatchObject({ kind: 'stream-down', severity: 'critical' });
    expect(c!.remediation[0]!.command).toBe('ALTER SUBSCRIPTION "sub1" ENABLE;');
    // paused through prm: nobody is paged for a pause they asked for; its slot's WAL retention is still watched
    const paused = { ...disabled, record: { ...record, pausedAt: NOW.toISOString(), pausedBy: 'alice' } };
    expect(kinds(input({ streams: [paused] }))).toEqual([]);
    const noWorker = (polls: number) =>
      stream({
        detail: detail({ subscriptionDetail: { ...detail().subscriptionDetail!, workerPid: null } }),
        tracking: { subscriberAt: 's', workerMissingPolls: polls },
      });
    expect(kinds(input({ streams: [noWorker(1)] }))).toEqual([]);
    expect(evaluateRules(input({ streams: [noWorker(2)] })).conditions[0]!.summary).toContain('apply worker');
    const inactive = stream({
      detail: detail({ slotDetail: { ...detail().slotDetail!, active: false } }),
      tracking: { publisherAt: 'p', slotInactivePolls: 3 },
    });
    expect(evaluateRules(input({ streams: [inactive] })).conditions[0]!.summary).toContain('slot sub1 is inactive');
  });

  it('suppresses stream rules while an end is unreachable; the endpoint alert lists the streams', () => {
    const down = status(SUB, {
      reachability: 'unreachable',
      consecutiveFailures: 2,
      lastError: { code: 'connection-refused', message: 'connect ECONNREFUSED password=secret', at: NOW.toISOString() },
    });
    const lagging = stream({ detail: detail({ lag: { ...detail().lag, bytes: 99999 } }) });
    const sub = input({ endpoint: endpoint(SUB, 'replica'), streams: [lagging] }, status(PUB), down);
    sub.status = down;
    const out = evaluateRules(sub);
    expect(out.conditions.map((c) => c.kind)).toEqual(['endpoint-unreachable']);
    const c = out.conditions[0]!;
    expect(c.facts.find((f) => f.label === 'affected streams')!.value).toBe('replica/sub1');
    expect(c.facts.find((f) => f.label === 'last error')!.value).toBe(
      'connection-refused: connect ECONNREFUSED password=[redacted]',
    );
    expect(c.streamIds).toEqual([STREAM]);
    // Stream alerts are neither kept nor resolved while suppressed; the endpoint's own alert is observed.
    expect(out.observed(`lag:stream:${STREAM}`)).toBe(false);
    expect(out.observed(`endpoint-unreachable:endpoint:${SUB}`)).toBe(true);
    // One failed poll is not enough.
    sub.status = { ...down, consecutiveFailures: 1 };
    expect(evaluateRules(sub).conditions).toEqual([]);
  });

  it('apply error from the log: table, key, constraint, finish LSN; DELETE and SKIP commands quoted', () => {
    const err: ReplicationErrorView = {
      id: 'e1',
      endpointId: SUB,
      streamId: STREAM,
      at: NOW.toISOString(),
      severity: 'ERROR',
      sqlstate: '23505',
      message: 'duplicate key value violates unique constraint "t2_pkey"',
      detail: 'Key (id, "Kind")=(5000, a\'b) already exists.',
      context: 'processing remote data ... finished at 0/25FD8E38',
      source: 'logical replication apply worker',
      table: 'public.t2',
      finishLsn: '0/25FD8E38',
      constraintName: 't2_pkey',
      key: '(id, "Kind")=(5000, a\'b)',
    };
    const [c] = evaluateRules(input({ streams: [stream({ errors: [err] })] })).conditions;
    expect(c!.kind).toBe('apply-error');
    expect(c!.summary).toBe(
      'Duplicate key on public.t2 stops replica/sub1: key (id, "Kind")=(5000, a\'b) (constraint t2_pkey)',
    );
    expect(c!.remediation.map((r) => r.command).filter(Boolean)).toEqual([
      `SELECT * FROM "public"."t2" WHERE ("id", "Kind") = ('5000', 'a''b');`,
      `DELETE FROM "public"."t2" WHERE ("id", "Kind") = ('5000', 'a''b');`,
      `ALTER SUBSCRIPTION "sub1" SKIP (lsn = '0/25FD8E38');`,
    ]);
    const missing = {
      ...err,
      sqlstate: '42P01',
      message: 'logical replication target relation "public.t4" does not exist',
    };
    const [m] = evaluateRules(input({ streams: [stream({ errors: [missing] })] })).conditions;
    expect(m!.remediation.map((r) => r.command)).toContain('ALTER SUBSCRIPTION "sub1" REFRESH PUBLICATION;');
  });

  it('apply error from the counter alone, and backfill failed / stalled', () => {
    const rose = stream({
      tracking: { counterRiseAt: NOW.toISOString(), counterRise: 'apply_error_count rose 1 → 4' },
    });
    expect(evaluateRules(input({ streams: [rose] })).conditions[0]!.summary).toContain('apply_error_count rose 1 → 4');
    const old = stream({ tracking: { counterRiseAt: '2020-01-01T00:00:00Z', counterRise: 'apply_error_count rose' } });
    expect(kinds(input({ streams: [old] }))).toEqual([]);
    const table = {
      ...detail().tables[0],
      table: 'public.t3',
      state: 'd' as const,
      stateLabel: 'copying',
      rowsCopied: 1,
      rowsEstimated: 10,
      sizeBytes: 1,
      progress: 0.1,
      retries: 2,
      etaSeconds: null,
      stalled: true,
      problem: 'missing on the subscriber',
    };
    const backfill = {
      percent: 10,
      tablesTotal: 2,
      tablesDone: 1,
      tablesCopying: 1,
      tablesQueued: 0,
      rateBytesPerSecond: null,
      etaSeconds: null,
      etaAt: null,
      stalled: true,
      maxSyncWorkers: 2,
      startedAt: NOW.toISOString(),
    };
    const copying = stream({
      detail: detail({ backfill, tables: [table] }),
      tracking: { counterRiseAt: NOW.toISOString(), counterRise: 'sync_error_count rose 0 → 1' },
    });
    const out = evaluateRules(input({ streams: [copying] })).conditions;
    expect(out.map((c) => c.kind)).toEqual(['backfill-stalled', 'backfill-failed']);
    expect(out[1]!.summary).toContain('public.t3');
    expect(out[1]!.remediation.map((r) => r.command)).toContain('TRUNCATE "public"."t3";');
  });

  it('slot retention: thresholds, unreserved and lost with what happens next', () => {
    const big = slot({ retainedBytes: 6 * 1024 ** 3 });
    expect(kinds(input({}, status(PUB, { slots: [big] })))).toEqual(['slot-retention:warning']);
    const unreserved = slot({ walStatus: 'unreserved', retainedBytes: 2048 });
    const [u] = evaluateRules(input({}, status(PUB, { slots: [unreserved] }))).conditions;
    expect(u).toMatchObject({ kind: 'slot-retention', severity: 'critical' });
    expect(u!.summary).toContain('retains 2.0 KiB (2048 bytes)');
    expect(u!.remediation[0]!.text).toContain('becomes lost');
    const [l] = evaluateRules(input({}, status(PUB, { slots: [slot({ walStatus: 'lost' })] }))).conditions;
    expect(l!.remediation[0]!.command).toContain('SET (slot_name = NONE)');
  });

  it('orphaned slot: inactive and unused; a copying subscription’s table-sync slot is not orphaned', () => {
    const orphan = slot({ name: 'gone_sub', active: false, retainedBytes: 4096 });
    const [o] = evaluateRules(input({}, status(PUB, { slots: [orphan] }))).conditions;
    expect(o).toMatchObject({ kind: 'orphaned-slot', minHits: 2, forMs: 600_000 });
    expect(o!.remediation.at(-1)!.command).toBe("SELECT pg_drop_replication_slot('gone_sub');");
    const sync = slot({ name: 'pg_16405_sync_16390_7400000000000000001', active: false });
    const copying = status(SUB, {
      subscriptions: [
        {
          oid: 16405,
          name: 'sub1',
          enabled: true,
          publications: ['pub'],
          slotName: 'sub1',
          conninfo: null,
          publisherHost: null,
          publisherPort: null,
          publisherDbname: null,
          conninfoHasPassword: null,
          workerPid: 1,
          receivedLsn: null,
          latestEndLsn: null,
          lastMsgReceiptTime: null,
          latestEndTime: null,
          applyErrorCount: 0,
          syncErrorCount: 0,
          tables: [{ table: 'public.t', state: 'd', lsn: null }],
        },
      ],
    });
    expect(kinds(input({}, status(PUB, { slots: [sync] }), copying))).toEqual([]);
    expect(kinds(input({}, status(PUB, { slots: [sync] })))).toEqual(['orphaned-slot:warning']);
    // A slot of another database on the same cluster belongs to that database's endpoint.
    expect(kinds(input({}, status(PUB, { slots: [{ ...orphan, database: 'other' }] })))).toEqual([]);
  });

  it('forecast: hours until max_slot_wal_keep_size (safe_wal_size) from a regression over samples', () => {
    const samples = Array.from({ length: 6 }, (_, k) => ({
      at: new Date(NOW.getTime() - (5 - k) * 120_000).toISOString(),
      retainedBytes: 1_000_000 + k * 120_000_000, // 1 MB/s
    }));
    const s = slot({ safeWalSizeBytes: 3600 * 1_000_000 * 2 }); // 2 h left
    const [f] = evaluateRules(
      input({ slotSamples: new Map([['sub1', samples]]) }, status(PUB, { slots: [s] })),
    ).conditions;
    expect(f).toMatchObject({ kind: 'slot-forecast', severity: 'warning' });
    expect(f!.summary).toContain('reaches max_slot_wal_keep_size in 2h');
    const far = slot({ safeWalSizeBytes: 3600 * 1_000_000 * 24 });
    expect(kinds(input({ slotSamples: new Map([['sub1', samples]]) }, status(PUB, { slots: [far] })))).toEqual([]);
    // Unlimited: projected against the critical retention threshold.
    const near = slot({ safeWalSizeBytes: null, retainedBytes: 20 * 1024 ** 3 - 1_000_000 * 600 });
    const g = evaluateRules(
      input({ slotSamples: new Map([['sub1', samples]]) }, status(PUB, { slots: [near] })),
    ).conditions.find((c) => c.kind === 'slot-forecast');
    expect(g).toMatchObject({ kind: 'slot-forecast', severity: 'critical' });
  });

  it('parses fingerprints with colons in the id', () => {
    expect(parseFingerprint('slot-retention:slot:abc/x:y')).toEqual({
      kind: 'slot-retention',
      type: 'slot',
      id: 'abc/x:y',
    });
  });
});

describe('forecast and format helpers', () => {
  it('computes the least-squares slope and refuses thin or shrinking series', () => {
    expect(
      slopePerSecond([
        { t: 0, v: 0 },
        { t: 1000, v: 10 },
        { t: 2000, v: 20 },
      ]),
    ).toBeCloseTo(10);
    expect(slopePerSecond([{ t: 0, v: 0 }])).toBeNull();
    expect(
      slopePerSecond([
        { t: 5, v: 0 },
        { t: 5, v: 1 },
      ]),
    ).toBeNull();
    const opts = { minSamples: 3, minSpanMs: 1000 };
    const shrinking = [0, 1, 2].map((k) => ({ at: new Date(k * 1000).toISOString(), retainedBytes: 100 - k }));
    expect(forecastWal(shrinking, 50, NOW, opts)).toBeNull();
    expect(forecastWal(shrinking.slice(0, 2), 50, NOW, opts)).toBeNull();
    expect(forecastWal(shrinking, 0, NOW, opts)).toBeNull();
  });

  it('formats bytes and seconds, parses keys, redacts credentials', () => {
    expect(formatBytes(512)).toBe('512 B (512 bytes)');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB (3221225472 bytes)');
    expect(formatBytes(null)).toBe('unknown');
    expect(formatSeconds(3725)).toBe('1h 2m 5s');
    expect(formatSeconds(0)).toBe('0s');
    expect(formatSeconds(90061)).toBe('1d 1h 1m 1s');
    expect(parseKey('(id)=(5)')).toEqual({ columns: ['id'], values: ['5'] });
    expect(parseKey('(a, b)=(1)')).toBeNull();
    expect(parseKey('nonsense')).toBeNull();
    expect(redact("host=x password='p w' user=y postgres://u:pw@h/db")).toBe(
      'host=x password=[redacted] user=y postgres://u:[redacted]@h/db',
    );
  });
});

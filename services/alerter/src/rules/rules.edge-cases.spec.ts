import type { EndpointStatus, ReplicationErrorView, SlotInfo } from '@prm/contracts';
import type { StoredStreamDetail, StreamRecord } from '@prm/persistence';
import { DEFAULT_ALERTER_SETTINGS } from '../alerter.settings.js';

import { type Condition, type RuleInput, type StreamInput, evaluateRules } from './rules.js';

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

const only = (i: RuleInput, kind: string): Condition => {
  const found = evaluateRules(i).conditions.filter((c) => c.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const fact = (c: Condition, label: string) => c.facts.find((f) => f.label === label)?.value;
const commands = (c: Condition) => c.remediation.map((r) => r.command).filter(Boolean);
const lagged = (bytes: number, over: Partial<StoredStreamDetail> = {}) =>
  detail({ lag: { ...detail().lag, bytes }, ...over });
const apiErr = (over: Partial<ReplicationErrorView> = {}): ReplicationErrorView => ({
  id: 'e1',
  endpointId: SUB,
  streamId: STREAM,
  at: NOW.toISOString(),
  severity: 'ERROR',
  sqlstate: null,
  message: 'something failed',
  detail: null,
  context: null,
  source: 'logical replication apply worker',
  table: null,
  finishLsn: null,
  ...over,
});

describe('endpoint-unreachable', () => {
  const down = (over: Partial<EndpointStatus>) =>
    status(SUB, { reachability: 'unreachable', consecutiveFailures: 3, lastSeenAt: null, ...over });
  const evalSub = (st: EndpointStatus, streams: StreamInput[] = [stream()]) =>
    input({ endpoint: endpoint(SUB, 'replica'), status: st, streams }, status(PUB), st);

  it('unknown reachability (never polled) raises nothing', () => {
    expect(evaluateRules(evalSub(status(SUB, { reachability: 'unknown', consecutiveFailures: 9 }))).conditions).toEqual(
      [],
    );
  });

  it('no error, never reached, no streams: critical with "unknown", "never", "none" and the start-it advice', () => {
    const c = only(evalSub(down({ lastError: null }), []), 'endpoint-unreachable');
    expect(c.severity).toBe('critical');
    expect(c.summary).toBe('Endpoint replica is unreachable (3 failed polls)');
    expect(fact(c, 'last error')).toBe('unknown');
    expect(fact(c, 'last reached')).toBe('never');
    expect(fact(c, 'affected streams')).toBe('none');
    expect(fact(c, 'endpoint')).toBe('replica (10.0.0.1:5432/app, replica)');
    expect(c.remediation.map((r) => r.text)).toEqual([
      'Check that the server accepts connections from prm’s network',
      'If the server is down, start it (or fail over); streams resume by themselves once it is back',
    ]);
    expect(c.remediation[0]!.command).toBe('pg_isready -h 10.0.0.1 -p 5432 -d app');
  });

  it('an authentication failure asks to fix the credential reference, never shows the password', () => {
    const st = down({
      lastError: {
        code: 'auth-failed',
        message: 'password authentication failed; password=hunter2',
        at: NOW.toISOString(),
      },
    });
    const c = only(evalSub(st), 'endpoint-unreachable');
    expect(c.remediation[1]!.text).toBe(
      'Fix the credentials of endpoint replica (env reference) and re-check it in the console',
    );
    expect(JSON.stringify(c)).not.toContain('hunter2');
    expect(c.summary).toBe('Endpoint replica is unreachable (3 failed polls: auth-failed); 1 stream(s) affected');
    // A down subscriber makes the publisher retain WAL: the alert says to watch it.
    expect(c.remediation.at(-1)!.text).toContain('watch slot retention on the publisher');
  });

  it('a timeout points at the network path', () => {
    const c = only(evalSub(down({ lastError: { code: 'timeout', message: 'x', at: 'y' } })), 'endpoint-unreachable');
    expect(c.remediation[1]!.text).toContain('security groups, NACLs, routes');
  });

  it('unreachable from prm only is a warning: subscribers still receive changes', () => {
    const c = only(evalSub(down({ reachability: 'unreachable-from-prm', lastError: null })), 'endpoint-unreachable');
    expect(c.severity).toBe('warning');
    expect(c.summary).toContain('is unreachable from prm');
    expect(c.remediation.map((r) => r.text)).toContain(
      'Its subscribers still receive changes: this is a path problem between prm and the endpoint, not an outage',
    );
  });
});

describe('observed(): which open alerts an evaluation may resolve', () => {
  it('resolves stream and own-slot alerts only when they were evaluated', () => {
    const out = evaluateRules(input());
    expect(out.observed(`lag:stream:${STREAM}`)).toBe(true);
    expect(out.observed(`slot-retention:slot:${PUB}/sub1`)).toBe(true);
    // Another endpoint's slot, or an unknown stream, is not this evaluation's business.
    expect(out.observed(`slot-retention:slot:${SUB}/sub1`)).toBe(false);
    expect(out.observed('lag:stream:other')).toBe(false);
    expect(out.observed(`endpoint-unreachable:endpoint:${SUB}`)).toBe(false);
  });

  it('an unreachable publisher neither resolves its slot alerts nor evaluates slots', () => {
    const pubDown = status(PUB, {
      reachability: 'unreachable',
      consecutiveFailures: 1,
      slots: [slot({ active: false })],
    });
    const out = evaluateRules(input({ status: pubDown }, pubDown));
    expect(out.conditions).toEqual([]);
    expect(out.observed(`orphaned-slot:slot:${PUB}/sub1`)).toBe(false);
  });

  it('a stream without a derived status yet is skipped, not resolved', () => {
    const out = evaluateRules(input({ streams: [stream({ detail: null })] }));
    expect(out.observed(`lag:stream:${STREAM}`)).toBe(false);
  });
});

describe('lag', () => {
  it('at exactly the warning threshold fires; one byte below does not', () => {
    expect(only(input({ streams: [stream({ detail: lagged(100) })] }), 'lag').severity).toBe('warning');
    expect(evaluateRules(input({ streams: [stream({ detail: lagged(99) })] })).conditions).toEqual([]);
  });

  it('unknown lag (null bytes and seconds) never fires', () => {
    const d = detail({ lag: { ...detail().lag, bytes: null, seconds: null } });
    expect(evaluateRules(input({ streams: [stream({ detail: d })] })).conditions).toEqual([]);
  });

  it('null thresholds switch that limit off', () => {
    const off = { warningBytes: null, criticalBytes: null, warningSeconds: null, criticalSeconds: null };
    expect(evaluateRules(input({ streams: [stream({ detail: lagged(1e12), thresholds: off })] })).conditions).toEqual(
      [],
    );
  });

  it('facts name the threshold that was crossed and the state with its reason', () => {
    const d = lagged(5000, { state: 'catching-up' as StoredStreamDetail['state'], stateReason: 'large transaction' });
    const c = only(input({ streams: [stream({ detail: d })] }), 'lag');
    expect(fact(c, 'critical threshold')).toBe('1000 B (1000 bytes) / 1m');
    expect(fact(c, 'state')).toBe('catching-up (large transaction)');
    expect(fact(c, 'lag bytes')).toBe('4.9 KiB (5000 bytes)');
    expect(commands(c)).toEqual([
      "SELECT application_name, state, write_lag, flush_lag, replay_lag FROM pg_stat_replication WHERE application_name = 'sub1';",
    ]);
  });

  it('a lagging disabled subscription: first step is to enable it (and stream-down fires too)', () => {
    const d = lagged(5000, { subscriptionDetail: { ...detail().subscriptionDetail!, enabled: false } });
    const out = evaluateRules(input({ streams: [stream({ detail: d })] })).conditions;
    expect(out.map((c) => c.kind)).toEqual(['lag', 'stream-down']);
    expect(out[0]!.remediation[0]).toEqual({
      text: 'The subscription is disabled: enable it on the subscriber',
      command: 'ALTER SUBSCRIPTION "sub1" ENABLE;',
    });
  });

  it('a lagging stream without an apply worker: first step is the subscriber log', () => {
    const d = lagged(5000, { subscriptionDetail: { ...detail().subscriptionDetail!, workerPid: null } });
    const c = only(input({ streams: [stream({ detail: d, tracking: { publisherAt: 'p' } })] }), 'lag');
    expect(c.remediation[0]!.text).toContain('apply worker is not running');
  });

  it('a subscription name that needs quoting is quoted in commands', () => {
    const rec = { ...record, subscriptionName: "Sub'X" };
    const c = only(input({ streams: [stream({ record: rec, detail: lagged(5000) })] }), 'lag');
    expect(commands(c)[0]).toContain("WHERE application_name = 'Sub''X';");
  });
});

describe('stream-down', () => {
  it('an inactive slot fires only after downPolls publisher polls, with the walsender check', () => {
    const inactive = (polls: number) =>
      stream({
        detail: detail({ slotDetail: { ...detail().slotDetail!, active: false } }),
        tracking: { publisherAt: 'p9', slotInactivePolls: polls },
      });
    expect(evaluateRules(input({ streams: [inactive(1)] })).conditions).toEqual([]);
    const c = only(input({ streams: [inactive(2)] }), 'stream-down');
    expect(c.observation).toBe('p9');
    expect(commands(c)).toEqual(["SELECT * FROM pg_stat_replication WHERE application_name = 'sub1';"]);
  });

  it('no subscription detail (not read yet) is not "down"', () => {
    expect(
      evaluateRules(input({ streams: [stream({ detail: detail({ subscriptionDetail: null }) })] })).conditions,
    ).toEqual([]);
  });

  it('a missing worker: restart commands, observed per subscriber poll', () => {
    const s = stream({
      detail: detail({ subscriptionDetail: { ...detail().subscriptionDetail!, workerPid: null } }),
      tracking: { subscriberAt: 's7', workerMissingPolls: 5 },
    });
    const c = only(input({ streams: [s] }), 'stream-down');
    expect(c).toMatchObject({ observation: 's7', minHits: 2, severity: 'critical' });
    expect(commands(c)).toEqual([
      'SHOW max_logical_replication_workers;',
      'ALTER SUBSCRIPTION "sub1" DISABLE; ALTER SUBSCRIPTION "sub1" ENABLE;',
    ]);
  });
});

describe('stream facts and names', () => {
  it('falls back to the stored target name, then the id; an unknown source and no slot are said so', () => {
    // The subscriber evaluates itself before prm knows it in the endpoint list (name from the stored detail).
    const rec: StreamRecord = { ...record, sourceEndpointId: null, slotName: null, targetEndpointId: 'new' };
    const self = (d: StoredStreamDetail) =>
      input({ endpoint: endpoint('new', 'new'), status: status('new'), streams: [stream({ record: rec, detail: d })] });
    const c = only(self(lagged(5000)), 'lag');
    expect(c.subject.name).toBe('replica/sub1');
    expect(fact(c, 'source')).toBe('unknown');
    expect(fact(c, 'slot')).toBe('none');
    expect(c.endpointIds).toEqual(['new']);
    const bare = only(self(lagged(5000, { targetName: null as unknown as string })), 'lag');
    expect(bare.subject.name).toBe('new/sub1');
  });
});

describe('backfill', () => {
  const backfill = {
    percent: 42.25,
    tablesTotal: 4,
    tablesDone: 1,
    tablesCopying: 1,
    tablesQueued: 2,
    rateBytesPerSecond: null,
    etaSeconds: null,
    etaAt: null,
    stalled: true,
    maxSyncWorkers: 2,
    startedAt: null,
  };

  it('stalled with no table named: "none named", start unknown, observed per subscriber poll', () => {
    const c = only(input({ streams: [stream({ detail: detail({ backfill }) })] }), 'backfill-stalled');
    expect(c.summary).toBe('Backfill of replica/sub1 is stalled at 42.3%');
    expect(fact(c, 'progress')).toBe('42.3% (1/4 tables)');
    expect(fact(c, 'stalled tables')).toBe('none named');
    expect(fact(c, 'started')).toBe('unknown');
    expect(c.observation).toBe('s1');
  });

  it('not stalled: no alert', () => {
    expect(
      evaluateRules(input({ streams: [stream({ detail: detail({ backfill: { ...backfill, stalled: false } }) })] }))
        .conditions,
    ).toEqual([]);
  });

  it('a COPY error in the log fails the backfill (not an apply error) and names the table to truncate', () => {
    const copy = apiErr({
      source: 'logical replication table synchronization worker',
      message: 'duplicate key value violates unique constraint "orders_pkey" password=oops',
      table: 'sales.orders',
      sqlstate: '23505',
    });
    const out = evaluateRules(
      input({ streams: [stream({ errors: [copy], detail: detail({ syncErrorCount: null }) })] }),
    ).conditions;
    expect(out.map((c) => c.kind)).toEqual(['backfill-failed']);
    const c = out[0]!;
    expect(c.summary).toBe('Backfill of replica/sub1 is failing on sales.orders');
    expect(fact(c, 'sync_error_count')).toBe('unknown');
    expect(fact(c, 'since')).toBe(NOW.toISOString());
    expect(c.remediation[0]!.text).toBe(
      'Newest copy error: duplicate key value violates unique constraint "orders_pkey" password=[redacted]',
    );
    expect(commands(c)).toEqual(['ALTER SUBSCRIPTION "sub1" REFRESH PUBLICATION;', 'TRUNCATE "sales"."orders";']);
  });

  it('an error whose context is a COPY counts as a sync error; with no table known there is no TRUNCATE command', () => {
    const copy = apiErr({ context: 'COPY orders, line 1', source: 'worker' });
    const c = only(input({ streams: [stream({ errors: [copy] })] }), 'backfill-failed');
    expect(fact(c, 'tables')).toBe('unknown');
    expect(commands(c)).toEqual(['ALTER SUBSCRIPTION "sub1" REFRESH PUBLICATION;']);
  });

  it('a sync_error_count rise older than the error window is forgotten', () => {
    const old = new Date(NOW.getTime() - DEFAULT_ALERTER_SETTINGS.errorWindowMs - 1).toISOString();
    const s = stream({ tracking: { counterRiseAt: old, counterRise: 'sync_error_count rose 0 → 1' } });
    expect(evaluateRules(input({ streams: [s] })).conditions).toEqual([]);
    const edge = new Date(NOW.getTime() - DEFAULT_ALERTER_SETTINGS.errorWindowMs).toISOString();
    const c = only(
      input({ streams: [stream({ tracking: { counterRiseAt: edge, counterRise: 'sync_error_count rose 0 → 1' } })] }),
      'backfill-failed',
    );
    expect(c.summary).toBe('Backfill of replica/sub1 is failing (sync_error_count rose 0 → 1)');
  });
});

describe('apply-error', () => {
  it('a duplicate key without a parsable key gives placeholder conditions, never a wrong WHERE', () => {
    const e = apiErr({ sqlstate: '23505', table: 'public.t', key: '(a, b)=(1, x, y)', message: 'duplicate key' });
    const c = only(input({ streams: [stream({ errors: [e] })] }), 'apply-error');
    expect(commands(c)).toEqual([
      'SELECT * FROM "public"."t" WHERE <key columns> = <key values>;',
      'DELETE FROM "public"."t" WHERE <key columns> = <key values>;',
    ]);
    // No finish LSN: no SKIP is offered.
    expect(commands(c).some((x) => x!.includes('SKIP'))).toBe(false);
  });

  it('a duplicate key with no table named says "a table" and offers no DELETE', () => {
    const e = apiErr({ sqlstate: '23505', message: 'duplicate key' });
    const c = only(input({ streams: [stream({ errors: [e] })] }), 'apply-error');
    expect(c.summary).toBe('Duplicate key on a table stops replica/sub1');
    expect(commands(c)).toEqual([]);
  });

  it.each(['23503', '23502', '23514'])(
    '%s (constraint on the subscriber) asks to relax it or fix the data',
    (sqlstate) => {
      const e = apiErr({ sqlstate, table: 'public.t', message: 'violates constraint' });
      const c = only(input({ streams: [stream({ errors: [e] })] }), 'apply-error');
      expect(c.summary).toBe('Apply error on replica/sub1: violates constraint');
      expect(c.remediation[0]!.text).toContain('relax it or fix the data on the subscriber');
    },
  );

  it('a message saying "does not exist" without SQLSTATE asks to create the table', () => {
    const e = apiErr({ message: 'relation "public.t9" does not exist' });
    const c = only(input({ streams: [stream({ errors: [e] })] }), 'apply-error');
    expect(commands(c)).toEqual(['ALTER SUBSCRIPTION "sub1" REFRESH PUBLICATION;']);
  });

  it('facts: error without SQLSTATE prefix, redacted detail, count in window, and the counter rise', () => {
    const errors = [apiErr({ detail: 'conninfo host=x password=hunter2' }), apiErr({ id: 'e2', message: 'older' })];
    const s = stream({
      errors,
      tracking: { counterRiseAt: NOW.toISOString(), counterRise: 'apply_error_count rose 3 → 5' },
      detail: detail({ applyErrorCount: null }),
    });
    const c = only(input({ streams: [s] }), 'apply-error');
    expect(fact(c, 'error')).toBe('something failed');
    expect(fact(c, 'detail')).toBe('conninfo host=x password=[redacted]');
    expect(fact(c, 'errors in window')).toBe('2');
    expect(fact(c, 'counter')).toBe('apply_error_count rose 3 → 5');
    expect(fact(c, 'apply_error_count')).toBe('unknown');
    expect(JSON.stringify(c)).not.toContain('hunter2');
  });

  it('only a counter rise, with no text: says disconnects also count and asks for the log source', () => {
    const s = stream({ tracking: { counterRiseAt: NOW.toISOString(), counterRise: null } });
    // Without a counterRise text nothing says which counter rose: no alert.
    expect(evaluateRules(input({ streams: [s] })).conditions).toEqual([]);
    const rose = stream({
      tracking: { counterRiseAt: NOW.toISOString(), counterRise: 'apply_error_count rose 0 → 1' },
    });
    const c = only(input({ streams: [rose] }), 'apply-error');
    expect(c.remediation[0]!.text).toContain('apply_error_count also counts disconnects');
    expect(fact(c, 'since')).toBe(NOW.toISOString());
  });
});

describe('slot rules', () => {
  const withSlots = (slots: SlotInfo[], over: Partial<RuleInput> = {}) => input(over, status(PUB, { slots }));

  it('physical slots and slots of other databases are not judged; a slot with no database is', () => {
    expect(kinds(withSlots([slot({ slotType: 'physical', name: 'standby', active: false })]))).toEqual([]);
    expect(kinds(withSlots([slot({ database: null, name: 'x', active: false })]))).toEqual(['orphaned-slot:warning']);
  });

  it('a slot used by a stream of this publisher is never orphaned, even inactive', () => {
    expect(kinds(withSlots([slot({ active: false })]))).toEqual([]);
    // A stream whose source is not resolved yet still claims the slot.
    const unresolved = { ...record, sourceEndpointId: null };
    expect(kinds(withSlots([slot({ active: false })], { allStreams: [unresolved] }))).toEqual([]);
  });

  it('facts: unlimited safe_wal_size, unknown wal_status and the consumer of the slot', () => {
    const c = only(
      withSlots([slot({ retainedBytes: 6 * 1024 ** 3, walStatus: null, safeWalSizeBytes: undefined })]),
      'slot-retention',
    );
    expect(fact(c, 'safe_wal_size')).toBe('unlimited (max_slot_wal_keep_size = -1)');
    expect(fact(c, 'wal_status')).toBe('unknown');
    expect(fact(c, 'used by')).toBe('replica/sub1');
    expect(c.streamIds).toEqual([STREAM]);
    expect(c.endpointIds).toEqual([PUB, SUB]);
    expect(c.remediation[1]!.text).toBe('Check stream replica/sub1: enabled, apply worker running, lag');
  });

  it('retention at or over the critical threshold is critical; thresholds set to null are off', () => {
    const crit = slot({ retainedBytes: 20 * 1024 ** 3 });
    expect(kinds(withSlots([crit]))).toEqual(['slot-retention:critical']);
    const off = { ...DEFAULT_ALERTER_SETTINGS, slotRetentionWarningBytes: null, slotRetentionCriticalBytes: null };
    expect(kinds(withSlots([crit], { settings: off }))).toEqual([]);
    expect(kinds(withSlots([slot({ retainedBytes: null })]))).toEqual([]);
  });

  it('a lost slot used by a stream: says which stream cannot continue; quoted re-create commands', () => {
    const c = only(withSlots([slot({ walStatus: 'lost' })]), 'slot-retention');
    expect(c.summary).toBe('Slot sub1 is lost: the WAL it needed was removed; replica/sub1 cannot continue');
    expect(commands(c)).toEqual([
      'ALTER SUBSCRIPTION "sub1" DISABLE; ALTER SUBSCRIPTION "sub1" SET (slot_name = NONE); DROP SUBSCRIPTION "sub1";',
      "SELECT pg_drop_replication_slot('sub1');",
    ]);
  });

  it('a lost slot nobody uses: a placeholder subscription, and it is orphaned too', () => {
    const out = evaluateRules(withSlots([slot({ name: 'old', walStatus: 'lost', active: false })])).conditions;
    expect(out.map((c) => c.kind)).toEqual(['slot-retention', 'orphaned-slot']);
    expect(out[0]!.summary).toBe('Slot old is lost: the WAL it needed was removed');
    expect(out[0]!.remediation[0]!.command).toContain('ALTER SUBSCRIPTION <subscription> DISABLE;');
  });

  it('an unreserved slot with a consumer asks to make it catch up now', () => {
    const c = only(withSlots([slot({ walStatus: 'unreserved' })]), 'slot-retention');
    expect(c.remediation[0]!.text).toBe(
      'If the WAL is removed the slot becomes lost and replica/sub1 must be re-created with a full initial copy. Make the consumer catch up now (check that the subscription is enabled and its apply worker runs)',
    );
  });
});

describe('slot-forecast', () => {
  const growing = (bytesPerSecond: number) =>
    Array.from({ length: 6 }, (_, k) => ({
      at: new Date(NOW.getTime() - (5 - k) * 120_000).toISOString(),
      retainedBytes: 1_000_000 + k * 120 * bytesPerSecond,
    }));

  it('no limit at all (unlimited safe_wal_size, no critical threshold): no forecast', () => {
    const settings = { ...DEFAULT_ALERTER_SETTINGS, slotRetentionCriticalBytes: null };
    const out = evaluateRules(
      input({ settings, slotSamples: new Map([['sub1', growing(1e9)]]) }, status(PUB, { slots: [slot()] })),
    ).conditions;
    expect(out).toEqual([]);
  });

  it('critical within a quarter of the horizon; names the consumer stream and the growth per hour', () => {
    const s = slot({ safeWalSizeBytes: 1_000_000 * 3600 }); // 1 h at 1 MB/s, horizon 6 h → critical (≤ 1.5 h)
    const c = only(
      input({ slotSamples: new Map([['sub1', growing(1_000_000)]]) }, status(PUB, { slots: [s] })),
      'slot-forecast',
    );
    expect(c.severity).toBe('critical');
    expect(c.summary).toBe('Slot sub1 on pub reaches max_slot_wal_keep_size in 1h at the current WAL growth');
    expect(fact(c, 'growth')).toBe('3.4 GiB (3600000000 bytes) per hour (regression over 6 samples)');
    expect(fact(c, 'limit')).toBe('max_slot_wal_keep_size (slot then lost)');
    expect(c.remediation[0]!.text).toContain('check stream replica/sub1');
    expect(c).toMatchObject({ minHits: 2, observation: NOW.toISOString() });
  });

  it('a slot no stream uses: suggests checking whether it is orphaned', () => {
    const s = slot({ name: 'nobody', safeWalSizeBytes: 1_000_000 * 3600 * 3 });
    const c = only(
      input({ slotSamples: new Map([['nobody', growing(1_000_000)]]) }, status(PUB, { slots: [s] })),
      'slot-forecast',
    );
    expect(c.severity).toBe('warning');
    expect(c.remediation[0]!.text).toBe('No known stream uses this slot: check whether it is orphaned');
  });

  it('too few samples: no forecast', () => {
    const s = slot({ safeWalSizeBytes: 1_000_000 });
    expect(
      kinds(input({ slotSamples: new Map([['sub1', growing(1_000_000).slice(0, 2)]]) }, status(PUB, { slots: [s] }))),
    ).toEqual([]);
  });
});

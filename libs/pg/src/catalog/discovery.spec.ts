import { DiscoveryParseError, parseDiscovery, parseTableSizes, runDiscovery, runTableSizes } from './discovery.js';
import {
  DISCOVERY_MAJORS,
  TABLE_SIZE_STATEMENT,
  UnsupportedServerVersionError,
  discoveryMajor,
  discoveryStatement,
} from './discovery.sql.js';

function rawResult(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    now: '2026-01-01T12:00:00.123+00:00',
    server_version_num: 170002,
    server_version: '17.2',
    wal_level: 'logical',
    database: 'app',
    in_recovery: false,
    wal_lsn: '0/3000400',
    publications: [
      {
        name: 'pub',
        all_tables: false,
        insert: true,
        update: true,
        delete: false,
        truncate: true,
        tables: ['public.orders', 'sales."Line Items"'],
      },
    ],
    subscriptions: [
      {
        oid: 16500,
        name: 'sub',
        enabled: true,
        publications: ['pub'],
        slot_name: 'sub',
        conninfo: "host=Pub.Example.com port=6543 dbname=src user=rep password='s3 cr=t'",
        pid: 4242,
        received_lsn: '0/3000300',
        latest_end_lsn: '0/3000300',
        last_msg_receipt_time: '2026-01-01T11:59:58+00:00',
        latest_end_time: '2026-01-01T11:59:50+00:00',
        apply_error_count: 2,
        sync_error_count: 0,
        options: { slot_name: 'sub', synchronous_commit: 'off', streaming: 'f', binary: false, two_phase: 'd' },
        tables: [
          { table: 'public.orders', state: 'r', lsn: '0/3000100' },
          { table: 'sales."Line Items"', state: 'd', lsn: null },
        ],
        sync_workers: [{ pid: 4243, table: 'sales."Line Items"' }],
      },
    ],
    copy: [{ command: 'COPY FROM', pid: 4243, table: 'sales."Line Items"', tuples: 1200, bytes: '64000' }],
    max_sync_workers: 2,
    slots: [
      {
        name: 'sub',
        plugin: 'pgoutput',
        slot_type: 'logical',
        database: 'app',
        active: true,
        active_pid: 99,
        wal_status: 'reserved',
        restart_lsn: '0/2000000',
        confirmed_flush_lsn: '0/3000300',
        retained_bytes: 16778240,
        lag_bytes: 256,
        write_lag: 0.0012,
        flush_lag: 0.0015,
        replay_lag: null,
        walsender_state: 'streaming',
      },
      {
        name: 'standby1',
        plugin: null,
        slot_type: 'physical',
        database: null,
        active: false,
        active_pid: null,
        wal_status: 'extended',
        restart_lsn: null,
        confirmed_flush_lsn: null,
        retained_bytes: null,
        lag_bytes: null,
      },
    ],
    ...over,
  };
}

describe('discoveryStatement', () => {
  it('maps server_version_num to a major, newer than 18 to 18, refuses < 14', () => {
    expect(discoveryMajor(140011)).toBe(14);
    expect(discoveryMajor(150018)).toBe(15);
    expect(discoveryMajor(170002)).toBe(17);
    expect(discoveryMajor(180000)).toBe(18);
    expect(discoveryMajor(190001)).toBe(18);
    expect(() => discoveryMajor(130016)).toThrow(UnsupportedServerVersionError);
    expect(() => discoveryStatement(Number.NaN)).toThrow(UnsupportedServerVersionError);
  });

  it('is static, parameter-free, and differs where the catalogs differ', () => {
    for (const m of DISCOVERY_MAJORS) {
      const sql = discoveryStatement(m * 10000 + 1);
      expect(sql).toBe(discoveryStatement(m * 10000 + 7));
      expect(sql).not.toMatch(/\$\d/);
      expect(sql.trim().startsWith('WITH w AS')).toBe(true);
      // subconninfo is only ever referenced inside the dynamic, privilege-guarded query_to_xml text
      expect(sql.replace(/'SELECT encode\(convert_to\(subconninfo[^']*'/, '')).not.toMatch(/subconninfo(?!')/);
    }
    expect(discoveryStatement(140000)).not.toContain('pg_stat_subscription_stats');
    expect(discoveryStatement(140000)).toContain("'apply_error_count', NULL::bigint");
    expect(discoveryStatement(150000)).toContain('pg_stat_subscription_stats');
    expect(discoveryStatement(150000)).toContain('w.relid IS NULL');
    expect(discoveryStatement(160000)).toContain('w.leader_pid IS NULL');
    expect(discoveryStatement(170000)).toContain("w.worker_type = 'apply'");
    expect(discoveryStatement(180000)).toBe(discoveryStatement(170000));
    // subscription options by version
    expect(discoveryStatement(140000)).not.toContain('subtwophasestate');
    expect(discoveryStatement(150000)).toContain("'disable_on_error', s.subdisableonerr");
    expect(discoveryStatement(150000)).not.toContain('suborigin');
    expect(discoveryStatement(160000)).toContain("'origin', s.suborigin");
    expect(discoveryStatement(160000)).not.toContain('subfailover');
    expect(discoveryStatement(170000)).toContain("'failover', s.subfailover");
    expect(discoveryStatement(170000)).toContain("sw.worker_type = 'table synchronization'");
    expect(discoveryStatement(150000)).toContain('sw.relid IS NOT NULL');
    expect(TABLE_SIZE_STATEMENT).not.toMatch(/\$\d/);
  });
});

describe('parseDiscovery', () => {
  it('maps the JSON to typed results', () => {
    const r = parseDiscovery(rawResult());
    expect(r).toMatchObject({
      serverTime: '2026-01-01T12:00:00.123+00:00',
      serverVersionNum: 170002,
      serverVersion: '17.2',
      walLevel: 'logical',
      database: 'app',
      inRecovery: false,
      walLsn: '0/3000400',
    });
    expect(r.publications).toEqual([
      {
        name: 'pub',
        allTables: false,
        tables: ['public.orders', 'sales."Line Items"'],
        insert: true,
        update: true,
        delete: false,
        truncate: true,
      },
    ]);
    expect(r.slots[0]).toEqual({
      name: 'sub',
      plugin: 'pgoutput',
      slotType: 'logical',
      database: 'app',
      active: true,
      activePid: 99,
      walStatus: 'reserved',
      restartLsn: '0/2000000',
      confirmedFlushLsn: '0/3000300',
      retainedBytes: 16778240,
      lagBytes: 256,
      writeLagSeconds: 0.0012,
      flushLagSeconds: 0.0015,
      replayLagSeconds: null,
      walsenderState: 'streaming',
    });
    expect(r.copyProgress).toEqual([
      { command: 'COPY FROM', pid: 4243, table: 'sales."Line Items"', tuplesProcessed: 1200, bytesProcessed: 64000 },
    ]);
    expect(r.maxSyncWorkers).toBe(2);
    expect(r.slots[1]).toMatchObject({ slotType: 'physical', plugin: null, lagBytes: null, retainedBytes: null });
  });

  it('strips the password from conninfo and parses the publisher target', () => {
    const [s] = parseDiscovery(rawResult()).subscriptions;
    expect(s).toEqual({
      oid: 16500,
      name: 'sub',
      enabled: true,
      publications: ['pub'],
      slotName: 'sub',
      conninfo: 'host=Pub.Example.com port=6543 dbname=src user=rep',
      publisherHost: 'Pub.Example.com',
      publisherPort: 6543,
      publisherDbname: 'src',
      conninfoHasPassword: true,
      workerPid: 4242,
      receivedLsn: '0/3000300',
      latestEndLsn: '0/3000300',
      lastMsgReceiptTime: '2026-01-01T11:59:58+00:00',
      latestEndTime: '2026-01-01T11:59:50+00:00',
      applyErrorCount: 2,
      syncErrorCount: 0,
      options: { slot_name: 'sub', synchronous_commit: 'off', streaming: 'f', binary: false, two_phase: 'd' },
      tables: [
        { table: 'public.orders', state: 'r', lsn: '0/3000100' },
        { table: 'sales."Line Items"', state: 'd', lsn: null },
      ],
      syncWorkers: [{ pid: 4243, table: 'sales."Line Items"' }],
    });
    expect(JSON.stringify(parseDiscovery(rawResult()))).not.toContain('s3 cr=t');
  });

  it('keeps conninfo null when unreadable and drops an unparsable one whole', () => {
    const sub = (rawResult().subscriptions as Record<string, unknown>[])[0];
    const hidden = parseDiscovery(rawResult({ subscriptions: [{ ...sub, conninfo: null, pid: null }] }));
    expect(hidden.subscriptions[0]).toMatchObject({
      conninfo: null,
      publisherHost: null,
      publisherPort: null,
      publisherDbname: null,
      conninfoHasPassword: null,
      workerPid: null,
    });
    const broken = parseDiscovery(
      rawResult({ subscriptions: [{ ...sub, conninfo: "host=x password='unterminated" }] }),
    );
    expect(broken.subscriptions[0]).toMatchObject({ conninfo: null, publisherHost: null, conninfoHasPassword: null });
    expect(JSON.stringify(broken)).not.toContain('unterminated');
  });

  it('reads a standby (no WAL position) and PG14 (no error counters)', () => {
    const sub = (rawResult().subscriptions as Record<string, unknown>[])[0];
    const r = parseDiscovery(
      rawResult({
        in_recovery: true,
        wal_lsn: null,
        publications: null,
        slots: [],
        subscriptions: [{ ...sub, apply_error_count: null, sync_error_count: null }],
      }),
    );
    expect(r).toMatchObject({ inRecovery: true, walLsn: null, publications: [], slots: [] });
    expect(r.subscriptions[0]).toMatchObject({ applyErrorCount: null, syncErrorCount: null });
  });

  it('rejects shapes it does not know', () => {
    expect(() => parseDiscovery(null)).toThrow(DiscoveryParseError);
    expect(() => parseDiscovery([])).toThrow(DiscoveryParseError);
    expect(() => parseDiscovery(rawResult({ now: 5 }))).toThrow('now is not a string');
    expect(() => parseDiscovery(rawResult({ slots: {} }))).toThrow('slots is not an array');
    expect(() => parseDiscovery(rawResult({ publications: ['x'] }))).toThrow('publications[0] is not an object');
    const sub = (rawResult().subscriptions as Record<string, unknown>[])[0];
    expect(() =>
      parseDiscovery(rawResult({ subscriptions: [{ ...sub, tables: [{ table: 't', state: 'x' }] }] })),
    ).toThrow('unknown srsubstate');
  });

  it('reads a snapshot without the issue-3 fields (older text) as empty lists', () => {
    const sub = (rawResult().subscriptions as Record<string, unknown>[])[0];
    const r = parseDiscovery(
      rawResult({
        copy: undefined,
        max_sync_workers: undefined,
        subscriptions: [{ ...sub, options: null, tables: null, sync_workers: null }],
      }),
    );
    expect(r.copyProgress).toEqual([]);
    expect(r.maxSyncWorkers).toBeNull();
    expect(r.subscriptions[0]).toMatchObject({ options: {}, tables: [], syncWorkers: [] });
  });
});

describe('table sizes', () => {
  it('parses the size rows and runs one statement', async () => {
    const rows = [{ publication: 'p', table: 'public.t', heap_bytes: '8192', est_rows: null }];
    expect(parseTableSizes(rows)).toEqual([
      { publication: 'p', table: 'public.t', heapBytes: 8192, estimatedRows: null },
    ]);
    const sent: string[] = [];
    const sizes = await runTableSizes({
      query: async (text: string) => {
        sent.push(text);
        return { rows: [{ d: JSON.stringify(rows) }] };
      },
    });
    expect(sent).toEqual([TABLE_SIZE_STATEMENT]);
    expect(sizes).toHaveLength(1);
    await expect(runTableSizes({ query: async () => ({ rows: [] }) })).rejects.toThrow(DiscoveryParseError);
    expect(() => parseTableSizes({})).toThrow(DiscoveryParseError);
  });
});

describe('runDiscovery', () => {
  it('sends exactly one statement and parses its row (json or text)', async () => {
    const sent: string[] = [];
    const client = {
      query: async (text: string) => {
        sent.push(text);
        return { rows: [{ d: JSON.stringify(rawResult()) }] };
      },
    };
    const r = await runDiscovery(client, 170002);
    expect(sent).toEqual([discoveryStatement(170002)]);
    expect(r.subscriptions[0].conninfo).not.toContain('password');
    await expect(runDiscovery({ query: async () => ({ rows: [] }) }, 150000)).rejects.toThrow(DiscoveryParseError);
  });
});

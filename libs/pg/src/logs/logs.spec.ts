import { ReplicationLogClassifier, extractReplicationFacts } from './classify.js';
import { parseCsvlog, splitCsvRecords } from './csvlog.js';
import { parseLogTimestamp, type ServerLogEntry } from './entry.js';
import { parseJsonlogLine, parseJsonlogText } from './jsonlog.js';
import { parseStderrText } from './stderr.js';

/** Lines captured from the harness: PG17 publisher → PG17 subscriber (jsonlog) and PG15 subscriber (csvlog). */
const PG17_STARTED =
  '{"timestamp":"2026-11-29 15:25:14.409 UTC","pid":10546,"session_id":"6b0c43da.2932","line_num":1,"session_start":"2026-11-29 15:25:14 UTC","vxid":"56/2","txid":0,"error_severity":"LOG","message":"logical replication apply worker for subscription \\"s17\\" has started","backend_type":"logical replication apply worker","query_id":0}';
const PG17_DUP =
  '{"timestamp":"2026-11-29 15:25:17.590 UTC","pid":10546,"session_id":"6b0c43da.2932","line_num":2,"session_start":"2026-11-29 15:25:14 UTC","vxid":"56/13","txid":752,"error_severity":"ERROR","state_code":"23505","message":"duplicate key value violates unique constraint \\"t2_pkey\\"","detail":"Key (id)=(5000) already exists.","context":"processing remote data for replication origin \\"pg_16396\\" during message type \\"INSERT\\" for replication target relation \\"public.t2\\" in transaction 740, finished at 0/14E0EB0","backend_type":"logical replication apply worker","query_id":0}';
const PG17_DISABLED =
  '{"timestamp":"2026-11-29 15:25:17.590 UTC","pid":10546,"session_id":"6b0c43da.2932","line_num":3,"session_start":"2026-11-29 15:25:14 UTC","vxid":"56/0","txid":0,"error_severity":"LOG","message":"subscription \\"s17\\" has been disabled because of an error","backend_type":"logical replication apply worker","query_id":0}';
const PG17_MISSING =
  '{"timestamp":"2026-11-29 15:24:45.841 UTC","pid":9603,"session_id":"6b0c43ba.2583","line_num":2,"session_start":"2026-11-29 15:24:42 UTC","vxid":"56/14","txid":0,"error_severity":"ERROR","state_code":"55000","message":"logical replication target relation \\"public.t4\\" does not exist","context":"processing remote data for replication origin \\"pg_16396\\" during message type \\"INSERT\\" in transaction 740, finished at 0/14E0E90","backend_type":"logical replication apply worker","query_id":0}';
const PG17_CLIENT_DUP =
  '{"timestamp":"2026-11-29 15:25:18.000 UTC","user":"app","dbname":"app","pid":777,"error_severity":"ERROR","state_code":"23505","message":"duplicate key value violates unique constraint \\"t2_pkey\\"","detail":"Key (id)=(1) already exists.","backend_type":"client backend"}';
const PG15_CSV = [
  '2026-11-29 15:25:14.387 UTC,,,10541,,6b0c43da.292d,1,,2026-11-29 15:25:14 UTC,3/10,0,LOG,00000,"logical replication apply worker for subscription ""s15"" has started",,,,,,,,,"","logical replication worker",,0',
  '2026-11-29 15:25:17.589 UTC,,,10541,,6b0c43da.292d,2,,2026-11-29 15:25:14 UTC,3/0,0,ERROR,23505,"duplicate key value violates unique constraint ""t2_pkey""","Key (id)=(5000) already exists.",,,,"processing remote data for replication origin ""pg_16396"" during message type ""INSERT"" for replication target relation ""public.t2"" in transaction 740, finished at 0/14E0EB0",,,,"","logical replication worker",,0',
  '2026-11-29 15:25:17.600 UTC,,,9514,,6b0c43b9.252a,10,,2026-11-29 15:24:41 UTC,,0,LOG,00000,"background worker ""logical replication worker"" (PID 10541) exited with exit code 1",,,,,,,,,"","postmaster",,0',
].join('\n');

const classify = (entries: (ServerLogEntry | null)[]) =>
  new ReplicationLogClassifier().classify(entries.filter((e): e is ServerLogEntry => e !== null));

describe('parseLogTimestamp', () => {
  it('reads %m and %t in UTC and numeric zones into ISO UTC', () => {
    expect(parseLogTimestamp('2026-11-29 15:25:17.590 UTC')).toBe('2026-11-29T15:25:17.590Z');
    expect(parseLogTimestamp('2026-11-29 15:25:17 UTC')).toBe('2026-11-29T15:25:17.000Z');
    expect(parseLogTimestamp('2026-11-29 15:25:17.5 +02')).toBe('2026-11-29T13:25:17.500Z');
    expect(parseLogTimestamp('2026-11-29 15:25:17 -05:30')).toBe('2026-11-29T20:55:17.000Z');
    expect(parseLogTimestamp('2026-11-29 15:25:17 CEST')).toBe('2026-11-29T13:25:17.000Z');
    expect(parseLogTimestamp('2026-11-29 15:25:17 XYZ')).toBe('2026-11-29T15:25:17.000Z');
    expect(parseLogTimestamp('yesterday')).toBeNull();
    expect(parseLogTimestamp('2026-11-29 15:25:17 +0')).toBeNull();
  });
});

describe('jsonlog', () => {
  it('parses the PG17 duplicate-key error with SQLSTATE, detail, context and backend type', () => {
    const e = parseJsonlogLine(PG17_DUP);
    expect(e).toEqual({
      at: '2026-11-29T15:25:17.590Z',
      severity: 'ERROR',
      sqlstate: '23505',
      message: 'duplicate key value violates unique constraint "t2_pkey"',
      detail: 'Key (id)=(5000) already exists.',
      hint: null,
      context:
        'processing remote data for replication origin "pg_16396" during message type "INSERT" for replication target relation "public.t2" in transaction 740, finished at 0/14E0EB0',
      backendType: 'logical replication apply worker',
      pid: 10546,
      user: null,
      database: null,
      applicationName: null,
    });
  });

  it('ignores blank, partial and foreign lines and leaves a partial last line unconsumed', () => {
    expect(parseJsonlogLine('')).toBeNull();
    expect(parseJsonlogLine('{"timestamp":"2026')).toBeNull();
    expect(parseJsonlogLine('{"message":"x"}')).toBeNull();
    expect(parseJsonlogLine('plain text')).toBeNull();
    const text = `${PG17_STARTED}\n${PG17_DUP}\n${PG17_DUP.slice(0, 40)}`;
    const { entries, consumed } = parseJsonlogText(text);
    expect(entries).toHaveLength(2);
    expect(consumed).toBe(PG17_STARTED.length + PG17_DUP.length + 2);
  });
});

describe('csvlog', () => {
  it('parses PG15 records: doubled quotes, empty fields, backend type', () => {
    const { entries, consumed } = parseCsvlog(PG15_CSV + '\n');
    expect(consumed).toBe(Buffer.byteLength(PG15_CSV) + 1);
    expect(entries).toHaveLength(3);
    expect(entries[1]).toMatchObject({
      at: '2026-11-29T15:25:17.589Z',
      severity: 'ERROR',
      sqlstate: '23505',
      message: 'duplicate key value violates unique constraint "t2_pkey"',
      detail: 'Key (id)=(5000) already exists.',
      backendType: 'logical replication worker',
      pid: 10541,
      user: null,
    });
  });

  it('keeps newlines and commas inside quoted fields (RFC 4180) and CRLF endings', () => {
    const rec =
      '2026-11-29 15:25:18.000 UTC,"app","db",42,"127.0.0.1:5",s,1,,2026-11-29 15:25:14 UTC,3/1,0,ERROR,XX000,"line one,\nline ""two""\r\nüñí",,,,,"ctx",,,,"psql","client backend",,0\r\n';
    const { records, consumed } = splitCsvRecords(Buffer.from(rec + rec.slice(0, 60)));
    expect(consumed).toBe(Buffer.byteLength(rec));
    expect(records).toHaveLength(1);
    expect(records[0][13]).toBe('line one,\nline "two"\r\nüñí');
    expect(records[0]).toHaveLength(26);
    expect(records[0][25]).toBe('0');
    const [e] = parseCsvlog(rec).entries;
    expect(e).toMatchObject({ user: 'app', database: 'db', applicationName: 'psql', context: 'ctx', pid: 42 });
  });

  it('waits for a record whose quote is still open, or whose quote ends the chunk', () => {
    expect(splitCsvRecords(Buffer.from('2026-11-29 15:25:18 UTC,"open\n')).consumed).toBe(0);
    expect(splitCsvRecords(Buffer.from('a,"b"')).consumed).toBe(0);
    expect(splitCsvRecords(Buffer.from('\n')).records).toEqual([]);
    expect(parseCsvlog('too,few,columns\n').entries).toEqual([]);
  });
});

describe('RDS stderr (%t:%r:%u@%d:[%p]:)', () => {
  const RDS = [
    '2026-11-29 15:25:14 UTC::@:[10541]:LOG:  logical replication apply worker for subscription "s15" has started',
    '2026-11-29 15:25:17 UTC::@:[10541]:ERROR:  duplicate key value violates unique constraint "t2_pkey"',
    '2026-11-29 15:25:17 UTC::@:[10541]:DETAIL:  Key (id)=(5000) already exists.',
    '2026-11-29 15:25:17 UTC::@:[10541]:CONTEXT:  processing remote data for replication origin "pg_16396" during message type "INSERT" for replication target relation "public.t2" in transaction 740, finished at 0/14E0EB0',
    '2026-11-29 15:25:18 UTC:10.0.1.7(40312):app@orders:[777]:ERROR:  23505: duplicate key value violates unique constraint "t2_pkey"',
    '2026-11-29 15:25:18 UTC:10.0.1.7(40312):app@orders:[777]:DETAIL:  Key (id)=(1) already exists.',
    '2026-11-29 15:25:18 UTC:10.0.1.7(40312):app@orders:[777]:STATEMENT:  INSERT INTO t2 VALUES (1)',
    '2026-11-29 15:25:19 UTC:[local]:rdsadmin@rdsadmin:[5]:LOG:  multi-line',
    '\tsecond line',
    '2026-11-29 15:25:20 UTC:::1(5432):u@d:[6]:WARNING:  v6 host',
    'not a prefixed line ignored',
  ].join('\n');

  it('groups DETAIL/CONTEXT lines with their entry by pid and reads verbose SQLSTATEs', () => {
    const { entries, consumed } = parseStderrText(RDS + '\n');
    expect(consumed).toBe(RDS.length + 1);
    expect(entries.map((e) => [e.pid, e.severity])).toEqual([
      [10541, 'LOG'],
      [10541, 'ERROR'],
      [777, 'ERROR'],
      [5, 'LOG'],
      [6, 'WARNING'],
    ]);
    expect(entries[1]).toMatchObject({
      at: '2026-11-29T15:25:17.000Z',
      sqlstate: null,
      detail: 'Key (id)=(5000) already exists.',
      context: expect.stringContaining('finished at 0/14E0EB0'),
      user: null,
      database: null,
      backendType: null,
    });
    expect(entries[2]).toMatchObject({ sqlstate: '23505', user: 'app', database: 'orders' });
    expect(entries[3].message).toBe('multi-line\nsecond line\nnot a prefixed line ignored'.slice(0, 22));
    expect(entries[4].message).toBe('v6 host\nnot a prefixed line ignored');
  });

  it('holds back the last entry when more data is pending, and never consumes a partial line', () => {
    const text = RDS.split('\n').slice(0, 3).join('\n') + '\n';
    const held = parseStderrText(text, true);
    expect(held.entries).toHaveLength(1);
    expect(held.consumed).toBe(text.indexOf('2026-11-29 15:25:17'));
    expect(parseStderrText('2026-11-29 15:25:17 UTC::@:[1]:ERROR:  par').consumed).toBe(0);
    expect(parseStderrText('2026-11-29 15:25:17 UTC::@:[9]:DETAIL:  orphan\n\tmore\n').entries).toEqual([]);
  });

  it('classifies stderr errors by the pid learnt from the start line', () => {
    const kept = classify(parseStderrText(RDS + '\n').entries);
    expect(kept).toHaveLength(1);
    expect(kept[0].facts).toEqual({
      subscriptionName: 's15',
      originSubId: 16396,
      table: 'public.t2',
      finishLsn: '0/14E0EB0',
      constraintName: 't2_pkey',
      key: '(id)=(5000)',
      slotName: null,
      source: 'logical replication apply worker',
    });
  });
});

describe('ReplicationLogClassifier', () => {
  it('keeps the PG17 duplicate-key error and the disable line, drops routine LOG and client errors', () => {
    const kept = classify([PG17_STARTED, PG17_DUP, PG17_DISABLED, PG17_CLIENT_DUP].map(parseJsonlogLine));
    expect(kept.map((k) => k.message)).toEqual([
      'duplicate key value violates unique constraint "t2_pkey"',
      'subscription "s17" has been disabled because of an error',
    ]);
    expect(kept[0].facts).toMatchObject({
      subscriptionName: 's17',
      originSubId: 16396,
      table: 'public.t2',
      finishLsn: '0/14E0EB0',
      constraintName: 't2_pkey',
      key: '(id)=(5000)',
      source: 'logical replication apply worker',
    });
    expect(kept[1].facts.subscriptionName).toBe('s17');
  });

  it('names the missing target relation; subscription unknown without the start line (origin only)', () => {
    const [k] = classify([parseJsonlogLine(PG17_MISSING)]);
    expect(k.sqlstate).toBe('55000');
    expect(k.facts).toMatchObject({ table: 'public.t4', originSubId: 16396, subscriptionName: null });
  });

  it('PG15 csvlog: backend type "logical replication worker"; exit-code lines dropped', () => {
    const kept = classify(parseCsvlog(PG15_CSV + '\n').entries);
    expect(kept).toHaveLength(1);
    expect(kept[0].facts).toMatchObject({ subscriptionName: 's15', source: 'logical replication worker' });
  });

  it('tablesync failure: table from CONTEXT "COPY t3, line 50" or from the worker start line', () => {
    const c = new ReplicationLogClassifier();
    const base = {
      sqlstate: null,
      detail: null,
      hint: null,
      backendType: null,
      user: null,
      database: null,
      applicationName: null,
    };
    const kept = c.classify([
      {
        ...base,
        at: 'x',
        severity: 'LOG',
        pid: 7,
        context: null,
        message: 'logical replication table synchronization worker for subscription "s", table "t3" has started',
      },
      {
        ...base,
        at: 'x',
        severity: 'ERROR',
        pid: 7,
        context: 'COPY t3, line 50',
        message: 'invalid input syntax for type integer: "x"',
      },
      { ...base, at: 'x', severity: 'ERROR', pid: 7, context: null, message: 'could not connect' },
      { ...base, at: 'x', severity: 'LOG', pid: 8, context: null, message: 'starting logical decoding for slot "s"' },
      { ...base, at: 'x', severity: 'ERROR', pid: 8, context: null, message: 'publication "p" does not exist' },
      {
        ...base,
        at: 'x',
        severity: 'ERROR',
        pid: 9,
        context: 'slot "s2", output plugin "pgoutput", in the change callback',
        message: 'boom',
      },
      {
        ...base,
        at: 'x',
        severity: 'LOG',
        pid: 10,
        context: null,
        message: 'invalidating obsolete replication slot "old"',
      },
      { ...base, at: 'x', severity: 'ERROR', pid: null, context: null, message: 'unrelated' },
    ]);
    expect(kept.map((k) => [k.facts.table, k.facts.subscriptionName, k.facts.slotName, k.facts.source])).toEqual([
      ['t3', 's', null, 'logical replication tablesync worker'],
      ['t3', 's', null, 'logical replication tablesync worker'],
      [null, null, 's', 'walsender'],
      [null, null, 's2', 'postgres'],
      [null, null, 'old', 'postgres'],
    ]);
    expect(c.roles()).toEqual({
      '7': { kind: 'tablesync', subscription: 's', table: 't3' },
      '8': { kind: 'walsender', slot: 's' },
    });
  });

  it('keeps at most maxPids roles, dropping the oldest', () => {
    const c = new ReplicationLogClassifier({ '1': { kind: 'apply', subscription: 'a' } }, 2);
    const start = (pid: number, sub: string): ServerLogEntry => ({
      at: 'x',
      severity: 'LOG',
      sqlstate: null,
      detail: null,
      hint: null,
      context: null,
      backendType: null,
      user: null,
      database: null,
      applicationName: null,
      pid,
      message: `logical replication parallel apply worker for subscription "${sub}" has started`,
    });
    c.classify([start(2, 'b'), start(3, 'c'), start(2, 'b2')]);
    expect(c.roles()).toEqual({
      '3': { kind: 'parallel', subscription: 'c' },
      '2': { kind: 'parallel', subscription: 'b2' },
    });
  });

  it('extracts foreign-key keys and quoted subscription names', () => {
    const f = extractReplicationFacts({
      at: 'x',
      severity: 'ERROR',
      sqlstate: '23503',
      hint: null,
      backendType: null,
      user: null,
      database: null,
      applicationName: null,
      pid: 1,
      context: null,
      message: 'insert or update on table "o" violates foreign key constraint "o_c_fkey" for subscription "we""ird"',
      detail: 'Key (c_id, x)=(7, a) is not present in table "c".',
    });
    expect(f).toMatchObject({
      key: '(c_id, x)=(7, a)',
      constraintName: 'o_c_fkey',
      subscriptionName: 'we"ird',
      table: 'o',
    });
  });
});

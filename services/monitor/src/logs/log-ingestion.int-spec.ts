/**
 * Replication errors from real server logs: PG17 publisher → PG15 subscriber (jsonlog) and PG17 subscriber (csvlog,
 * `log_destination = 'csvlog'`), read by the file reader through LogIngestionService into prm's metadata store.
 */
import { type EndpointStatus, type EndpointView } from '@prm/contracts';
import {
  EndpointRepository,
  LogCursorRepository,
  openMetadataStore,
  ReplicationErrorRepository,
  toEndpointView,
} from '@prm/persistence';
import { quoteLiteral } from '@prm/pg';
import { createTestDatabase, expectEventually, startCluster, type PgCluster, type TestDatabase } from '@prm/testing';
import type { DataSource } from 'typeorm';

import { DefaultLogReaderFactory } from './log-reader.factory.js';
import { type LogIngestionResult, LogIngestionService } from './log-ingestion.service.js';
import { SqlStreamLookup } from './stream-lookup.js';

describe('LogIngestionService on real PostgreSQL logs', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let pub: PgCluster;
  let sub15: PgCluster;
  let sub17: PgCluster;
  let ingestion: LogIngestionService;
  let errors: ReplicationErrorRepository;
  let ep15: EndpointView;
  let ep17: EndpointView;

  /** The subscriber's subscriptions as the poller reports them (only what ingestion uses: oid and name). */
  async function statusOf(cluster: PgCluster, endpointId: string): Promise<EndpointStatus> {
    const subs = await cluster.query<{ oid: number; subname: string }>(
      'SELECT oid::int AS oid, subname FROM pg_subscription',
    );
    return {
      endpointId,
      subscriptions: subs.map((s) => ({ oid: s.oid, name: s.subname })),
    } as unknown as EndpointStatus; // the other EndpointStatus fields are not read by ingestion
  }

  async function subscribe(cluster: PgCluster, sub: string, publication: string, table: string): Promise<void> {
    await cluster.query(
      `CREATE SUBSCRIPTION ${sub} CONNECTION ${quoteLiteral(pub.conninfo())} PUBLICATION ${publication}`,
    );
    await expectEventually(
      async () => {
        const [row] = await cluster.query<{ srsubstate: string }>(
          `SELECT srsubstate FROM pg_subscription_rel WHERE srrelid = $1::regclass`,
          [table],
        );
        expect(row?.srsubstate).toBe('r');
      },
      { timeoutMs: 30_000 },
    );
  }

  beforeAll(async () => {
    [db, pub, sub15, sub17] = await Promise.all([
      createTestDatabase('prm_test_log_ingestion'),
      startCluster({ engine: 'pg17', name: 'logs-pub' }),
      startCluster({ engine: 'pg15', name: 'logs-sub15' }),
      startCluster({ engine: 'pg17', name: 'logs-sub17', settings: { log_destination: "'csvlog'" } }),
    ]);
    ds = await openMetadataStore(db.url);
    errors = new ReplicationErrorRepository(ds);
    ingestion = new LogIngestionService(
      errors,
      new LogCursorRepository(ds),
      new SqlStreamLookup(ds),
      new DefaultLogReaderFactory(),
    );
    const endpoints = new EndpointRepository(ds);
    const base = {
      host: '127.0.0.1',
      dbname: 'postgres',
      sslmode: 'disable' as const,
      cloud: 'other' as const,
      region: null,
      network: null,
      role: 'replica' as const,
      credential: { kind: 'env' as const, user: 'postgres', passwordEnv: 'PW' },
    };
    ep15 = toEndpointView(
      await endpoints.insert({
        ...base,
        name: 'sub15',
        port: sub15.port,
        logSource: { kind: 'file', path: sub15.logFile, format: 'jsonlog' },
      }),
    );
    ep17 = toEndpointView(
      await endpoints.insert({
        ...base,
        name: 'sub17',
        port: sub17.port,
        logSource: { kind: 'file', path: sub17.logFile.replace(/\.json$/, '.csv'), format: 'csvlog' },
      }),
    );
    await pub.query(`CREATE TABLE t2 (id int PRIMARY KEY, v text); CREATE TABLE t4 (id int PRIMARY KEY);
      CREATE PUBLICATION p_t2 FOR TABLE t2; CREATE PUBLICATION p_t4 FOR TABLE t4`);
    await sub15.query('CREATE TABLE t2 (id int PRIMARY KEY, v text)');
    await sub17.query('CREATE TABLE t4 (id int PRIMARY KEY)');
    await Promise.all([subscribe(sub15, 's15', 'p_t2', 't2'), subscribe(sub17, 's17', 'p_t4', 't4')]);
  }, 120_000);

  afterAll(async () => {
    await ds?.destroy();
    await Promise.all([pub?.destroy(), sub15?.destroy(), sub17?.destroy(), db?.drop()]);
  });

  it('stores a duplicate-key conflict (PG15 jsonlog) with SQLSTATE, constraint, key, table, finish LSN and server time, attached to the stream', async () => {
    const [{ id: streamId }] = (await ds.query(
      `INSERT INTO stream (target_endpoint_id, subscription_name) VALUES ($1, 's15') RETURNING id`,
      [ep15.id],
    )) as { id: string }[];
    const before = await ingestion.ingest(ep15, await statusOf(sub15, ep15.id));
    expect(before.errors).toEqual([]); // routine LOG lines only so far
    await sub15.query(`INSERT INTO t2 VALUES (5000, 'subscriber first')`);
    const t0 = Date.now();
    await pub.query(`INSERT INTO t2 VALUES (5000, 'publisher')`);

    const result = await expectEventually(
      async () => {
        const r = await ingestion.ingest(ep15, await statusOf(sub15, ep15.id));
        expect(r.errors.some((e) => e.sqlstate === '23505')).toBe(true);
        return r;
      },
      { timeoutMs: 20_000 },
    );
    const dup = result.errors.find((e) => e.sqlstate === '23505')!;
    console.log(
      `parsed duplicate-key error (PG15 jsonlog, read ${result.read} entries):\n${JSON.stringify(dup, null, 2)}`,
    );
    expect(dup).toMatchObject({
      endpointId: ep15.id,
      streamId,
      subscriptionName: 's15',
      severity: 'ERROR',
      message: 'duplicate key value violates unique constraint "t2_pkey"',
      detail: 'Key (id)=(5000) already exists.',
      source: 'logical replication worker',
      table: 'public.t2',
      constraintName: 't2_pkey',
      key: '(id)=(5000)',
      finishLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/),
    });
    expect(Math.abs(Date.parse(dup.at) - t0)).toBeLessThan(10_000); // server time, not prm's read time
    const stored = await errors.listForStream(streamId);
    expect(stored[0]).toMatchObject({ sqlstate: '23505', key: '(id)=(5000)', at: expect.any(String) });
    expect(await errors.latestAtForStream(streamId)).toBe(stored[0].at);

    // a re-read from scratch (cursor reset) adds no duplicate rows
    const count = (await errors.listForEndpoint(ep15.id, 1000)).length;
    await new LogCursorRepository(ds).reset(ep15.id);
    const reread = await ingestion.ingest(ep15, await statusOf(sub15, ep15.id));
    expect(reread.kept).toBeGreaterThanOrEqual(1);
    const after = (await errors.listForEndpoint(ep15.id, 1000)).length;
    expect(reread.inserted).toBe(after - count); // only errors logged since (the retry loop), none twice
    await sub15.query('DELETE FROM t2 WHERE id = 5000'); // let the apply worker through
  });

  it('names the table missing on the subscriber (PG17 csvlog), stored before the stream exists and attached later', async () => {
    await sub17.query('DROP TABLE t4');
    await pub.query('INSERT INTO t4 VALUES (1)');
    const result = await expectEventually(
      async () => {
        const r = await ingestion.ingest(ep17, await statusOf(sub17, ep17.id));
        expect(r.errors.some((e) => /target relation/.test(e.message))).toBe(true);
        return r;
      },
      { timeoutMs: 20_000 },
    );
    const missing = result.errors.find((e) => /target relation/.test(e.message))!;
    console.log(`parsed missing-table error (PG17 csvlog): ${JSON.stringify(missing)}`);
    expect(missing).toMatchObject({
      sqlstate: '55000',
      message: 'logical replication target relation "public.t4" does not exist',
      table: 'public.t4',
      subscriptionName: 's17',
      source: 'logical replication apply worker',
      streamId: null,
    });
    const [{ id: streamId }] = (await ds.query(
      `INSERT INTO stream (target_endpoint_id, subscription_name) VALUES ($1, 's17') RETURNING id`,
      [ep17.id],
    )) as { id: string }[];
    const next: LogIngestionResult = await ingestion.ingest(ep17, await statusOf(sub17, ep17.id));
    expect(next.attached).toBeGreaterThanOrEqual(1);
    const list = await errors.listForStream(streamId);
    expect(list.some((e) => e.table === 'public.t4' && e.sqlstate === '55000')).toBe(true);
  });

  it('reads nothing for an endpoint without a log source', async () => {
    const none = { ...ep15, id: ep15.id, logSource: { kind: 'none' as const } };
    await expect(ingestion.ingest(none, null)).resolves.toMatchObject({ read: 0, inserted: 0 });
  });
});

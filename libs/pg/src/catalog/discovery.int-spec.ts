import { type SubscriptionInfo } from '@prm/contracts';
import { expectEventually, startCluster, type PgCluster } from '@prm/testing';
import pg from 'pg';

import { type DiscoveryClient, type DiscoveryResult, runDiscovery, runTableSizes } from './discovery.js';

/**
 * Real clusters: PG17 publisher → PG15 subscriber and PG15 publisher → PG17 subscriber, each with a publication,
 * a subscription (and so a logical slot on the publisher). Discovery runs over TCP as it does in the monitor.
 */
const sqlLiteral = (v: string): string => `'${v.replace(/'/g, "''")}'`;

describe('runDiscovery on real clusters', () => {
  let pg17: PgCluster;
  let pg15: PgCluster;
  const clients: pg.Client[] = [];
  const MONITOR_PASSWORD = 'mon-pass-9f3e';

  async function connect(c: PgCluster, db: string, user = 'postgres', password = c.password): Promise<pg.Client> {
    const client = new pg.Client({ host: c.host, port: c.port, database: db, user, password });
    await client.connect();
    clients.push(client);
    return client;
  }

  /** Counts the statements sent, to prove one round trip per poll. */
  function counting(client: pg.Client): DiscoveryClient & { sent: string[] } {
    const sent: string[] = [];
    return {
      sent,
      query: async (text: string) => {
        sent.push(text);
        return client.query(text);
      },
    };
  }

  async function publish(c: PgCluster, db: string, pub: string): Promise<void> {
    await c.createDatabase(db);
    await c.query(
      `CREATE TABLE public.orders (id int PRIMARY KEY, note text);
       CREATE SCHEMA sales; CREATE TABLE sales."Line Items" (id int PRIMARY KEY);
       INSERT INTO public.orders SELECT g, 'n' FROM generate_series(1, 100) g;
       CREATE PUBLICATION ${pub} FOR TABLE public.orders, sales."Line Items" WITH (publish = 'insert, update');`,
      [],
      db,
    );
  }

  async function subscribe(
    sub: PgCluster,
    db: string,
    pubCluster: PgCluster,
    pubDb: string,
    name: string,
    pub: string,
  ) {
    await sub.createDatabase(db);
    await sub.query(
      `CREATE TABLE public.orders (id int PRIMARY KEY, note text);
       CREATE SCHEMA sales; CREATE TABLE sales."Line Items" (id int PRIMARY KEY);`,
      [],
      db,
    );
    await sub.query(
      `CREATE SUBSCRIPTION ${name} CONNECTION ${sqlLiteral(pubCluster.conninfo(pubDb))} PUBLICATION ${pub}`,
      [],
      db,
    );
    await sub
      .query(`CREATE ROLE prm_mon LOGIN PASSWORD '${MONITOR_PASSWORD}' IN ROLE pg_monitor`)
      .catch(() => undefined);
  }

  beforeAll(async () => {
    [pg17, pg15] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'disc17' }),
      startCluster({ engine: 'pg15', name: 'disc15' }),
    ]);
    await Promise.all([publish(pg17, 'src17', 'pub17'), publish(pg15, 'src15', 'pub15')]);
    // One after the other: creating the slot waits for running transactions on the publisher, so two
    // CREATE SUBSCRIPTIONs pointing at each other's cluster at once deadlock across the clusters.
    await subscribe(pg15, 'dst15', pg17, 'src17', 'sub_from17', 'pub17');
    await subscribe(pg17, 'dst17', pg15, 'src15', 'sub_from15', 'pub15');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await Promise.all([pg17?.destroy(), pg15?.destroy()]);
  });

  function expectPublisher(r: DiscoveryResult, pub: string, slot: string, major: number): void {
    expect(Math.floor(r.serverVersionNum / 10000)).toBe(major);
    expect(r.walLevel).toBe('logical');
    expect(r.inRecovery).toBe(false);
    expect(r.walLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(r.publications).toEqual([
      {
        name: pub,
        allTables: false,
        tables: ['public.orders', 'sales."Line Items"'],
        insert: true,
        update: true,
        delete: false,
        truncate: false,
      },
    ]);
    const s = r.slots.find((x) => x.name === slot);
    expect(s).toMatchObject({ slotType: 'logical', plugin: 'pgoutput', active: true, walStatus: 'reserved' });
    expect(s!.activePid).toEqual(expect.any(Number));
    expect(s!.lagBytes).toEqual(expect.any(Number));
    expect(s!.retainedBytes).toBeGreaterThanOrEqual(s!.lagBytes!);
    // walsender joined on active_pid: state known, lags numbers (seconds) or NULL when idle
    expect(s!.walsenderState).toBe('streaming');
    for (const lag of [s!.writeLagSeconds, s!.flushLagSeconds, s!.replayLagSeconds]) {
      expect(lag === null || (typeof lag === 'number' && lag >= 0)).toBe(true);
    }
    expect(r.copyProgress).toEqual([]);
  }

  function expectSubscriber(
    r: DiscoveryResult,
    name: string,
    pubCluster: PgCluster,
    pubDb: string,
    major: number,
  ): SubscriptionInfo {
    expect(Math.floor(r.serverVersionNum / 10000)).toBe(major);
    expect(r.subscriptions).toHaveLength(1);
    const s = r.subscriptions[0];
    expect(s).toMatchObject({
      name,
      enabled: true,
      slotName: name,
      publisherHost: '127.0.0.1',
      publisherPort: pubCluster.port,
      publisherDbname: pubDb,
      conninfoHasPassword: true,
      applyErrorCount: major >= 15 ? 0 : null,
    });
    expect(s.workerPid).toEqual(expect.any(Number));
    expect(s.lastMsgReceiptTime).not.toBeNull();
    expect(s.conninfo).toContain(`port=${pubCluster.port}`);
    expect(s.conninfo).not.toMatch(/password/i);
    expect(JSON.stringify(r)).not.toContain(pubCluster.password);
    // per-table sync state, always schema-qualified (public too), both tables ready
    expect(s.tables).toEqual([
      { table: 'public.orders', state: 'r', lsn: expect.stringMatching(/\//) },
      { table: 'sales."Line Items"', state: 'r', lsn: expect.stringMatching(/\//) },
    ]);
    expect(s.syncWorkers).toEqual([]);
    expect(s.options).toMatchObject({ slot_name: name, synchronous_commit: 'off', binary: false });
    if (major >= 15) expect(s.options).toMatchObject({ disable_on_error: false, two_phase: 'd' });
    if (major >= 16) expect(s.options).toMatchObject({ origin: 'any' });
    if (major >= 17) expect(s.options).toMatchObject({ failover: false });
    expect(r.maxSyncWorkers).toBe(2);
    return s;
  }

  it.each([
    ['PG17 → PG15', () => ({ pub: pg17, sub: pg15, pubDb: 'src17', subDb: 'dst15', p: 'pub17', s: 'sub_from17' })],
    ['PG15 → PG17', () => ({ pub: pg15, sub: pg17, pubDb: 'src15', subDb: 'dst17', p: 'pub15', s: 'sub_from15' })],
  ])('%s: publication, slot, subscription with its worker, one statement each', async (_label, setup) => {
    const { pub, sub, pubDb, subDb, p, s } = setup();
    const pubClient = counting(await connect(pub, pubDb));
    const subClient = counting(await connect(sub, subDb));
    await expectEventually(
      async () => {
        expectPublisher(await runDiscovery(pubClient, pub.version), p, s, Math.floor(pub.version / 10000));
        expectSubscriber(await runDiscovery(subClient, sub.version), s, pub, pubDb, Math.floor(sub.version / 10000));
      },
      { timeoutMs: 30_000, intervalMs: 250, message: 'replication did not start' },
    );
    // Every poll is exactly one statement on each side.
    pubClient.sent.length = 0;
    subClient.sent.length = 0;
    const [pr, sr] = await Promise.all([runDiscovery(pubClient, pub.version), runDiscovery(subClient, sub.version)]);
    expect(pubClient.sent).toHaveLength(1);
    expect(subClient.sent).toHaveLength(1);
    // The publisher's size query (run at most once a minute by the monitor): heap bytes and row estimate.
    await pub.query('ANALYZE public.orders', [], pubDb);
    const sizes = await runTableSizes(pubClient);
    expect(pubClient.sent).toHaveLength(2);
    expect(sizes).toEqual([
      { publication: p, table: 'public.orders', heapBytes: 8192, estimatedRows: 100 },
      { publication: p, table: 'sales."Line Items"', heapBytes: 0, estimatedRows: null },
    ]);
    // Subscriptions are per database: the publisher database has none, the subscriber database no publication.
    expect(pr.subscriptions).toEqual([]);
    expect(sr.publications).toEqual([]);
    expect(Date.parse(sr.serverTime)).not.toBeNaN();
  });

  it('without the subconninfo privilege (pg_monitor role) still lists subscriptions, conninfo null', async () => {
    for (const [c, db, name] of [
      [pg15, 'dst15', 'sub_from17'],
      [pg17, 'dst17', 'sub_from15'],
    ] as const) {
      const mon = await connect(c, db, 'prm_mon', MONITOR_PASSWORD);
      const r = await runDiscovery(mon, c.version);
      expect(r.subscriptions).toEqual([
        expect.objectContaining({
          tables: [expect.objectContaining({ table: 'public.orders' }), expect.anything()],
          name,
          enabled: true,
          conninfo: null,
          publisherHost: null,
          conninfoHasPassword: null,
          workerPid: expect.any(Number),
        }),
      ]);
    }
  });

  it('reports a disabled subscription without worker and its inactive slot on the publisher', async () => {
    await pg15.query('ALTER SUBSCRIPTION sub_from17 DISABLE', [], 'dst15');
    try {
      const sub = await connect(pg15, 'dst15');
      const pub = await connect(pg17, 'src17');
      await expectEventually(
        async () => {
          const r = await runDiscovery(sub, pg15.version);
          expect(r.subscriptions[0]).toMatchObject({ enabled: false, workerPid: null });
          const p = await runDiscovery(pub, pg17.version);
          expect(p.slots.find((s) => s.name === 'sub_from17')).toMatchObject({ active: false, activePid: null });
        },
        { timeoutMs: 20_000, intervalMs: 250 },
      );
    } finally {
      await pg15.query('ALTER SUBSCRIPTION sub_from17 ENABLE', [], 'dst15');
    }
  });
});

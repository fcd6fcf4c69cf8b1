import { randomBytes } from 'node:crypto';
import pg from 'pg';

import type { Cloud, CredentialRef, EndpointRole, SslMode } from '@prm/contracts';

import { hasSystemPg15, startCluster, type PgCluster, type PgEngine } from './cluster/index.js';
import { demoDatasetSize, demoLoadSql, demoSchemaSql, DEMO_SMALL_TABLES, DEMO_TABLES } from './demo-dataset.js';
import { expectEventually } from './expect-eventually.js';
import { testClustersDir } from './paths.js';
import { removeStaleClusters } from './stale.js';

/** Name of the environment variable prm reads the demo clusters' password from (`env` credential reference). */
export const DEMO_PASSWORD_ENV = 'PRM_DEMO_DB_PASSWORD';

/** The three replication clusters of the demo. */
export type DemoClusterName = 'publisher' | 'replica-a' | 'replica-b';

/** Body of `POST /api/endpoints` for one demo cluster (the password stays in {@link DEMO_PASSWORD_ENV}). */
export interface DemoEndpointPayload {
  name: DemoClusterName;
  host: string;
  port: number;
  dbname: string;
  sslmode: SslMode;
  cloud: Cloud;
  region: string;
  network: string;
  role: EndpointRole;
  credential: CredentialRef;
}

/** Options of {@link startDemoTopology}. */
export interface DemoTopologyOptions {
  /** pgbench_accounts rows on the publisher; default 2 500 000 (≈ 350 MB with its index). */
  datasetRows?: number;
  /** Password of the `postgres` superuser of all three clusters; default random. */
  password?: string;
  /**
   * Where the data directories go (`<baseDir>/<name>-<port>`); default `<repo>/.tmp/clusters` like every test
   * cluster (the jest global setup cleans it). The `make demo` CLI passes `<repo>/.demo/clusters`.
   */
  baseDir?: string;
  /** Fixed ports; default free loopback ports. */
  ports?: Partial<Record<DemoClusterName, number>>;
  /** Engine of replica-a; default `pg15` when the system has PostgreSQL 15 binaries, else `pg17`. */
  replicaAEngine?: PgEngine;
  /** Database created on every cluster; default `demo`. */
  dbname?: string;
  /** Wait until every table of both subscriptions is `r` (ready) in pg_subscription_rel; default false. */
  waitForSync?: boolean;
  /** Timeout of waitForSync, ms; default 120000. */
  syncTimeoutMs?: number;
  /** Progress lines; default silent. */
  log?: (line: string) => void;
}

/** Durations of the start-up phases, ms. */
export interface DemoTimings {
  clustersMs: number;
  datasetMs: number;
  replicationMs: number;
  syncMs: number | null;
}

/** A running demo: publisher (17) → replica-a (15 or 17, every table) and → replica-b (17, small tables). */
export interface DemoTopology {
  password: string;
  dbname: string;
  clusters: Record<DemoClusterName, PgCluster>;
  publisher: PgCluster;
  replicaA: PgCluster;
  replicaB: PgCluster;
  /** `POST /api/endpoints` bodies, in the order publisher, replica-a, replica-b. */
  endpoints: DemoEndpointPayload[];
  /** Streams created: subscription name, the cluster it lives on, its publication and tables. */
  streams: { subscription: string; subscriber: DemoClusterName; publication: string; tables: readonly string[] }[];
  datasetRows: number;
  timings: DemoTimings;
  /** Stops the three clusters; removes their data directories unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/** Double-quotes an SQL identifier. */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Single-quotes an SQL string literal. */
function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Starts the demo replication topology on loopback: three clusters, the `demo` database with the pgbench tables
 * and two small shop tables, publications `demo_pub` (every table) and `demo_pub_small` (customers, orders),
 * and subscriptions `replica_a_sub` (replica-a ← demo_pub) and `replica_b_sub` (replica-b ← demo_pub_small),
 * both with `copy_data = true`. The subscription CONNECTION strings carry the superuser password (demo only).
 * Data directories of earlier demo runs whose process is gone are removed first.
 * @throws Error from {@link startCluster} or the SQL that failed; clusters started so far are stopped first
 */
export async function startDemoTopology(opts: DemoTopologyOptions = {}): Promise<DemoTopology> {
  const log = opts.log ?? (() => undefined);
  const password = opts.password ?? randomBytes(12).toString('hex');
  const dbname = opts.dbname ?? 'demo';
  const baseDir = opts.baseDir ?? testClustersDir();
  const replicaAEngine = opts.replicaAEngine ?? (hasSystemPg15() ? 'pg15' : 'pg17');
  const size = demoDatasetSize(opts.datasetRows ?? 2_500_000);
  removeStaleClusters(baseDir);

  let t0 = Date.now();
  const started: PgCluster[] = [];
  const start = async (name: DemoClusterName, engine: PgEngine) => {
    const cluster = await startCluster({ engine, name, password, baseDir, port: opts.ports?.[name] });
    started.push(cluster);
    return cluster;
  };
  try {
    const [publisher, replicaA, replicaB] = await Promise.all([
      start('publisher', 'pg17'),
      start('replica-a', replicaAEngine),
      start('replica-b', 'pg17'),
    ]);
    const clusters: Record<DemoClusterName, PgCluster> = {
      publisher,
      'replica-a': replicaA,
      'replica-b': replicaB,
    };
    for (const [name, c] of Object.entries(clusters)) {
      log(`${name}: PostgreSQL ${c.version} on 127.0.0.1:${c.port} (${c.engine}, ${c.startupMs} ms) ${c.dataDir}`);
    }
    await Promise.all(started.map((c) => c.createDatabase(dbname)));
    const clustersMs = Date.now() - t0;

    t0 = Date.now();
    await Promise.all([
      publisher.query(demoSchemaSql('publisher'), undefined, dbname),
      replicaA.query(demoSchemaSql('subscriber'), undefined, dbname),
      replicaB.query(demoSchemaSql('subscriber'), undefined, dbname),
    ]);
    for (const sql of demoLoadSql(size)) {
      const t = Date.now();
      await publisher.query(sql, undefined, dbname);
      log(`publisher: ${sql.split('\n')[0].slice(0, 70)}… ${Date.now() - t} ms`);
    }
    const [{ bytes }] = await publisher.query<{ bytes: string }>(
      'SELECT pg_database_size(current_database()) AS bytes',
      [],
      dbname,
    );
    log(`publisher: dataset of ${size.accounts} accounts, database ${(Number(bytes) / 1048576).toFixed(0)} MB`);
    const datasetMs = Date.now() - t0;

    t0 = Date.now();
    const streams: DemoTopology['streams'] = [
      { subscription: 'replica_a_sub', subscriber: 'replica-a', publication: 'demo_pub', tables: DEMO_TABLES },
      {
        subscription: 'replica_b_sub',
        subscriber: 'replica-b',
        publication: 'demo_pub_small',
        tables: DEMO_SMALL_TABLES,
      },
    ];
    for (const s of streams) {
      const tables = s.tables.map(quoteIdent).join(', ');
      await publisher.query(`CREATE PUBLICATION ${quoteIdent(s.publication)} FOR TABLE ${tables}`, undefined, dbname);
    }
    for (const s of streams) {
      await clusters[s.subscriber].query(
        `CREATE SUBSCRIPTION ${quoteIdent(s.subscription)} CONNECTION ${quoteLiteral(publisher.conninfo(dbname))}
           PUBLICATION ${quoteIdent(s.publication)} WITH (copy_data = true)`,
        undefined,
        dbname,
      );
      log(`${s.subscriber}: subscription ${s.subscription} ← publisher ${s.publication} (${s.tables.length} tables)`);
    }
    const replicationMs = Date.now() - t0;

    let syncMs: number | null = null;
    if (opts.waitForSync) {
      t0 = Date.now();
      await Promise.all(
        streams.map((s) =>
          waitForSubscriptionReady(clusters[s.subscriber], s.subscription, dbname, opts.syncTimeoutMs),
        ),
      );
      syncMs = Date.now() - t0;
      log(`initial table sync finished in ${syncMs} ms`);
    }

    const endpoint = (
      name: DemoClusterName,
      role: EndpointRole,
      cloud: Cloud,
      region: string,
      network: string,
    ): DemoEndpointPayload => ({
      name,
      host: '127.0.0.1',
      port: clusters[name].port,
      dbname,
      sslmode: 'disable',
      cloud,
      region,
      network,
      role,
      credential: { kind: 'env', user: 'postgres', passwordEnv: DEMO_PASSWORD_ENV },
    });
    return {
      password,
      dbname,
      clusters,
      publisher,
      replicaA,
      replicaB,
      endpoints: [
        endpoint('publisher', 'primary', 'aws', 'us-east-1', 'vpc-demo-a'),
        endpoint('replica-a', 'replica', 'gcp', 'europe-west1', 'vpc-demo-b'),
        endpoint('replica-b', 'replica', 'aws', 'us-west-2', 'vpc-demo-c'),
      ],
      streams,
      datasetRows: size.accounts,
      timings: { clustersMs, datasetMs, replicationMs, syncMs },
      stop: async ({ keepData = false } = {}) => {
        await Promise.all(started.map((c) => (keepData ? c.stop() : c.destroy())));
      },
    };
  } catch (error: unknown) {
    await Promise.allSettled(started.map((c) => c.destroy()));
    throw error;
  }
}

/**
 * Waits until every table of `subscription` is in state `r` (ready) in pg_subscription_rel.srsubstate.
 * @throws the last mismatch after `timeoutMs` (default 120000)
 */
export async function waitForSubscriptionReady(
  cluster: PgCluster,
  subscription: string,
  dbname: string,
  timeoutMs = 120_000,
): Promise<void> {
  await expectEventually(
    async () => {
      const rows = await cluster.query<{ relid: string; srsubstate: string }>(
        `SELECT r.srrelid::regclass::text AS relid, r.srsubstate
           FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid
          WHERE s.subname = $1`,
        [subscription],
        dbname,
      );
      const notReady = rows.filter((r) => r.srsubstate !== 'r');
      if (rows.length === 0 || notReady.length) {
        throw new Error(`${subscription}: not ready: ${JSON.stringify(notReady.length ? notReady : 'no tables yet')}`);
      }
    },
    { timeoutMs, intervalMs: 250, message: `initial sync of ${subscription}` },
  );
}

/** A running write workload; see {@link startDemoTraffic}. */
export interface DemoTraffic {
  /** Transactions committed so far. */
  readonly transactions: number;
  stop(): Promise<void>;
}

/**
 * A light write workload on the publisher so lag and "last applied" move in the console: every `intervalMs`
 * (default 1000) one pgbench-like transaction (account update + history row) and one new order. Errors (e.g.
 * the publisher being stopped on purpose) are reported through `onError` and the loop keeps going.
 */
export function startDemoTraffic(
  topology: Pick<DemoTopology, 'publisher' | 'dbname' | 'datasetRows'>,
  opts: { intervalMs?: number; onError?: (error: unknown) => void } = {},
): DemoTraffic {
  const intervalMs = opts.intervalMs ?? 1000;
  let stopped = false;
  let transactions = 0;
  let client: pg.Client | null = null;
  const tick = async () => {
    if (!client) {
      client = new pg.Client({ connectionString: topology.publisher.url(topology.dbname) });
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch (error: unknown) {
        client = null;
        throw error;
      }
    }
    const aid = 1 + Math.floor(Math.random() * topology.datasetRows);
    const delta = Math.floor(Math.random() * 10001) - 5000;
    try {
      await client.query('BEGIN');
      await client.query('UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2', [delta, aid]);
      await client.query(
        `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, bid, aid, $1, now() FROM pgbench_accounts WHERE aid = $2`,
        [delta, aid],
      );
      await client.query(
        `INSERT INTO orders (customer_id, amount) SELECT id, $1 FROM customers ORDER BY random() LIMIT 1`,
        [(Math.random() * 500).toFixed(2)],
      );
      await client.query('COMMIT');
      transactions += 1;
    } catch (error: unknown) {
      const broken = client;
      client = null;
      await broken.end().catch(() => undefined);
      throw error;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await tick().catch((error: unknown) => opts.onError?.(error));
      if (!stopped) await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    get transactions() {
      return transactions;
    },
    stop: async () => {
      stopped = true;
      await loop;
      const open = client as pg.Client | null;
      if (open) await open.end().catch(() => undefined);
    },
  };
}

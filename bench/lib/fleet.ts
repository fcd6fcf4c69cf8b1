/**
 * A benchmark fleet: a few local PG17 clusters holding many databases, with real logical replication between
 * databases of different clusters (database 2k publishes table `t` in publication `pub_<2k>`, database 2k+1 on the
 * next cluster subscribes with `sub_<2k+1>` and a real slot on the publisher), plus a dead endpoint (a TCP server
 * that accepts and never answers).
 */
import { createServer, type Server, type Socket } from 'node:net';

import { type EndpointRole } from '@prm/contracts';
import { startCluster, type PgCluster } from '@prm/testing';

/** One database of the fleet. */
export interface FleetDb {
  index: number;
  cluster: PgCluster;
  dbname: string;
  role: EndpointRole;
  /** `pub_<index>` on publishers. */
  publication: string | null;
  /** `sub_<index>` on subscribers (publisher: database index − 1 on the previous cluster). */
  subscription: string | null;
}

export interface Fleet {
  clusters: PgCluster[];
  dbs: FleetDb[];
  setupMs: number;
  destroy(): Promise<void>;
}

export interface FleetOptions {
  clusters: number;
  databases: number;
  /** Subscriptions with real slots for odd databases (default true). */
  replicate?: boolean;
  log?: (line: string) => void;
}

const lit = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** Runs `fn` over `items` with at most `width` in flight. */
export async function pool<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

/**
 * Starts `clusters` PG17 clusters (max_connections 400, room for 150 walsenders/slots/apply workers each) and
 * creates `databases` databases round-robin over them, in parallel.
 * @throws the cluster or SQL error when a step fails (clusters started so far are destroyed)
 */
export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const clusters = await Promise.all(
    Array.from({ length: opts.clusters }, (_, i) =>
      startCluster({
        engine: 'pg17',
        name: `bench-${i}`,
        settings: {
          max_connections: '400',
          max_wal_senders: '160',
          max_replication_slots: '160',
          max_logical_replication_workers: '160',
          max_worker_processes: '180',
          shared_buffers: "'64MB'",
          log_min_messages: 'warning',
        },
      }),
    ),
  );
  const destroy = async () => void (await Promise.allSettled(clusters.map((c) => c.destroy())));
  try {
    const dbs: FleetDb[] = Array.from({ length: opts.databases }, (_, index) => {
      const publisher = index % 2 === 0 || opts.replicate === false;
      return {
        index,
        cluster: clusters[index % clusters.length],
        dbname: `bench_${index}`,
        role: publisher ? 'primary' : 'replica',
        publication: publisher ? `pub_${index}` : null,
        subscription: publisher ? null : `sub_${index}`,
      };
    });
    await pool(dbs, 6, async (d) => {
      await d.cluster.createDatabase(d.dbname);
      await d.cluster.query(
        `CREATE TABLE t (id bigint PRIMARY KEY, v text, at timestamptz DEFAULT now());` +
          (d.publication ? ` CREATE PUBLICATION ${d.publication} FOR TABLE t;` : ''),
        [],
        d.dbname,
      );
    });
    log(`${dbs.length} databases on ${clusters.length} clusters in ${Date.now() - started} ms`);
    const subs = dbs.filter((d) => d.subscription !== null);
    await pool(subs, 4, async (d) => {
      const pub = dbs[d.index - 1];
      await d.cluster.query(
        `CREATE SUBSCRIPTION ${d.subscription} CONNECTION ${lit(pub.cluster.conninfo(pub.dbname))} ` +
          `PUBLICATION ${pub.publication} WITH (copy_data = false)`,
        [],
        d.dbname,
      );
    });
    log(`${subs.length} subscriptions (with slots) in ${Date.now() - started} ms`);
    return { clusters, dbs, setupMs: Date.now() - started, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}

/** A TCP server on 127.0.0.1 that accepts connections and never sends a byte (a hung endpoint). */
export async function startDeadServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('dead server: no TCP address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

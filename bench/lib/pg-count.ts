/**
 * Counts SQL round trips in this process by wrapping `pg.Client.prototype.query` and `connect` (every `query()`
 * of node-postgres is one flight: simple query, or Parse/Bind/Execute/Sync pipelined with one Sync). Used to
 * show how many statements the monitor sends per endpoint per poll, and how many to prm's metadata DB.
 */
import pg from 'pg';

/** Counters since the last {@link PgCounter.reset}, keyed `port/database`. */
export interface PgCounter {
  queries: Map<string, number>;
  connects: Map<string, number>;
  reset(): void;
}

let installed: PgCounter | null = null;

/** Installs the wrapper once (idempotent) and returns the shared counters. */
export function countPgRoundTrips(): PgCounter {
  if (installed) return installed;
  const counter: PgCounter = {
    queries: new Map(),
    connects: new Map(),
    reset() {
      counter.queries.clear();
      counter.connects.clear();
    },
  };
  const proto = pg.Client.prototype as unknown as {
    query: (...args: unknown[]) => unknown;
    connect: (...args: unknown[]) => unknown;
  };
  const key = (c: { port?: number; database?: string }) => `${c.port ?? '?'}/${c.database ?? '?'}`;
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const query = proto.query;
  proto.query = function (this: { port?: number; database?: string }, ...args: unknown[]) {
    bump(counter.queries, key(this));
    return query.apply(this, args);
  };
  const connect = proto.connect;
  proto.connect = function (this: { port?: number; database?: string }, ...args: unknown[]) {
    bump(counter.connects, key(this));
    return connect.apply(this, args);
  };
  installed = counter;
  return counter;
}

/**
 * Backfill ETA measurement on real clusters, shared by `bench/backfill-eta.ts` and
 * `services/monitor/src/backfill/backfill.int-spec.ts`: a PG17 publisher with one multi-hundred-MB table and a
 * smaller one, a PG15 subscriber (PG17 when the system has no PostgreSQL 15), `CREATE SUBSCRIPTION ... WITH
 * (copy_data = true)`, then a test-local poller (one `pg` client per side) feeds {@link estimateBackfill} every
 * `pollMs` until every table is `r`, and the ETAs made at 25/50/75 % are compared with the real finish.
 */
import { hostname } from 'node:os';
import pg from 'pg';

import type { BackfillView } from '@prm/contracts';
import { hasSystemPg15, startCluster, type PgCluster } from '@prm/testing';

import { estimateBackfill } from '../services/monitor/src/backfill/backfill.estimator.js';
import type { BackfillObservation, BackfillTracking } from '../services/monitor/src/backfill/backfill.types.js';

export interface BackfillEtaOptions {
  /** Rows of the big table (each ~`fillerChars` + 40 bytes of heap). Default 3 500 000. */
  bigRows?: number;
  /** Rows of the small table (left un-ANALYZEd: its progress comes from COPY bytes). Default 300 000. */
  smallRows?: number;
  /** Characters of filler per row. Default 120. */
  fillerChars?: number;
  /** Subscriber `max_sync_workers_per_subscription`. Default 2. */
  maxSyncWorkers?: number;
  /** Poll interval, ms. Default 100 (the copy's end is known to ± half of it). */
  pollMs?: number;
  /** EWMA weight of the newest rate sample. Default 0.1 (≈ 1 s of memory at 100 ms polls). */
  rateAlpha?: number;
  /** Give up waiting for the copy after this long, ms. Default 120 000. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** One poll: the estimator's view at a time since the subscription was created. */
export interface BackfillSample {
  /** Seconds since CREATE SUBSCRIPTION returned. */
  t: number;
  view: BackfillView | null;
  states: string;
}

/** The ETA made when the percent first reached `mark`, against the real finish. */
export interface EtaCheckpoint {
  mark: number;
  /** Seconds since CREATE SUBSCRIPTION when the mark was reached. */
  at: number;
  percent: number;
  etaSeconds: number | null;
  /** Real seconds from `at` until every table's copy had finished. */
  actualSeconds: number;
  /** (eta − actual) / actual × 100; null without an ETA. */
  errorPct: number | null;
}

export interface BackfillEtaResult {
  machine: string;
  publisherVersion: number;
  subscriberVersion: number;
  bigTableBytes: number;
  smallTableBytes: number;
  generateMs: number;
  /** Seconds from CREATE SUBSCRIPTION until every table was past `d` (`f`/`s`/`r`; midway between the polls before
   * and after): what the ETA predicts. */
  copySeconds: number;
  /** Seconds until every table was `r`. */
  readySeconds: number;
  samples: BackfillSample[];
  checkpoints: EtaCheckpoint[];
  maxSyncWorkers: number;
  pollMs: number;
}

/** Publisher size query, monitoring.md §1.2 (run once, before the copy). */
const SIZE_SQL = `
SELECT format('%I.%I', p.schemaname, p.tablename) AS rel, pg_relation_size(c.oid) AS heap_bytes,
  CASE WHEN c.reltuples >= 0 AND c.relpages > 0 AND NOT c.relhassubclass
   THEN (c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::int))::bigint END
   AS est_rows
FROM pg_publication_tables p JOIN pg_class c ON c.oid = format('%I.%I', p.schemaname, p.tablename)::regclass
WHERE p.pubname = $1`;

/**
 * Subscriber poll, the backfill part of monitoring.md §1.1 for one subscription. Tables are named
 * `schema.table` on both sides (`regclass::text` drops a schema on the search_path, the size query does not).
 */
const POLL_SQL = `
SELECT now() AS now, current_setting('max_sync_workers_per_subscription')::int AS max_sync_workers,
  (SELECT sync_error_count FROM pg_stat_subscription_stats st WHERE st.subid = s.oid) AS sync_err,
  (SELECT json_agg(json_build_object('rel', format('%I.%I', n.nspname, c.relname), 'state', r.srsubstate)
     ORDER BY r.srrelid)
     FROM pg_subscription_rel r JOIN pg_class c ON c.oid = r.srrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE r.srsubid = s.oid) AS rels,
  (SELECT json_agg(json_build_object('rel', format('%I.%I', n.nspname, c.relname), 'bytes', p.bytes_processed,
     'tuples', p.tuples_processed))
     FROM pg_stat_progress_copy p JOIN pg_class c ON c.oid = p.relid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE p.command = 'COPY FROM' AND p.type = 'CALLBACK' AND p.datname = current_database()) AS copy
FROM pg_subscription s WHERE s.subname = $1`;

interface PollRow {
  now: Date;
  max_sync_workers: number;
  sync_err: string | null;
  rels: { rel: string; state: 'i' | 'd' | 'f' | 's' | 'r' }[] | null;
  copy: { rel: string; bytes: number; tuples: number }[] | null;
}

const DB = 'backfill';
const SUBSCRIPTION = 'backfill_sub';
const PUBLICATION = 'backfill_pub';
const MARKS = [25, 50, 75];
/** Room for the copied table's primary key in memory and no checkpoint mid-copy, as on a sized server. */
const SERVER_SETTINGS = { shared_buffers: "'512MB'", max_wal_size: "'4GB'" };

function tableSql(withPk: boolean): string {
  const pk = withPk ? ' PRIMARY KEY' : '';
  return `CREATE TABLE public.big_events (id bigint${pk}, at timestamptz NOT NULL, payload text NOT NULL);
          CREATE TABLE public.small_items (id bigint${pk}, name text NOT NULL);`;
}

/**
 * Runs the whole measurement (≈ 10 s of clusters and data, then the copy) and destroys the clusters.
 * @throws when a cluster cannot start, the copy does not finish within `timeoutMs`, or SQL fails
 */
export async function measureBackfillEta(opts: BackfillEtaOptions = {}): Promise<BackfillEtaResult> {
  const bigRows = opts.bigRows ?? 3_500_000;
  const smallRows = opts.smallRows ?? 300_000;
  const filler = opts.fillerChars ?? 120;
  const maxSyncWorkers = opts.maxSyncWorkers ?? 2;
  const pollMs = opts.pollMs ?? 100;
  const rateAlpha = opts.rateAlpha ?? 0.1;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const log = opts.log ?? (() => undefined);

  const clusters: PgCluster[] = [];
  const clients: pg.Client[] = [];
  try {
    const [publisher, subscriber] = await Promise.all([
      // autovacuum off on the publisher: a freshly loaded table draws vacuum and analyze runs (and sets hint bits
      // on first read) that a long-lived production table would not; VACUUM below leaves it as an old table is.
      startCluster({ engine: 'pg17', name: 'bf-pub', settings: { ...SERVER_SETTINGS, autovacuum: 'off' } }),
      startCluster({
        engine: hasSystemPg15() ? 'pg15' : 'pg17',
        name: 'bf-sub',
        settings: { ...SERVER_SETTINGS, max_sync_workers_per_subscription: String(maxSyncWorkers) },
      }),
    ]);
    clusters.push(publisher, subscriber);
    await Promise.all([publisher.createDatabase(DB), subscriber.createDatabase(DB)]);

    let t0 = Date.now();
    await publisher.query(tableSql(false), undefined, DB);
    await Promise.all([
      publisher.query(
        `INSERT INTO public.big_events
           SELECT g, now() - g * interval '1 second', md5(g::text) || repeat('x', ${Math.max(0, filler - 32)})
             FROM generate_series(1, ${bigRows}) g`,
        undefined,
        DB,
      ),
      publisher.query(
        `INSERT INTO public.small_items SELECT g, 'item ' || g || repeat('y', ${filler})
           FROM generate_series(1, ${smallRows}) g`,
        undefined,
        DB,
      ),
    ]);
    // The big table gets a row estimate (progress from rows); the small one is never analyzed (COPY bytes).
    await publisher.query(
      `ALTER TABLE public.big_events ADD PRIMARY KEY (id);
       ALTER TABLE public.small_items ADD PRIMARY KEY (id);
       CREATE PUBLICATION ${PUBLICATION} FOR TABLE public.big_events, public.small_items;`,
      undefined,
      DB,
    );
    await publisher.query('VACUUM ANALYZE public.big_events', undefined, DB);
    await subscriber.query(tableSql(true), undefined, DB);
    const generateMs = Date.now() - t0;

    const pub = new pg.Client({ connectionString: publisher.url(DB) });
    const sub = new pg.Client({ connectionString: subscriber.url(DB) });
    clients.push(pub, sub);
    await Promise.all([pub.connect(), sub.connect()]);
    const sizes = new Map<string, { bytes: number; rows: number | null }>();
    for (const r of (
      await pub.query<{ rel: string; heap_bytes: string; est_rows: string | null }>(SIZE_SQL, [PUBLICATION])
    ).rows) {
      sizes.set(r.rel, { bytes: Number(r.heap_bytes), rows: r.est_rows === null ? null : Number(r.est_rows) });
    }
    const bigTableBytes = sizes.get('public.big_events')?.bytes ?? 0;
    const smallTableBytes = sizes.get('public.small_items')?.bytes ?? 0;
    log(
      `publisher: big_events ${(bigTableBytes / 1048576).toFixed(0)} MB (${bigRows} rows), small_items ` +
        `${(smallTableBytes / 1048576).toFixed(0)} MB, generated in ${generateMs} ms`,
    );

    await subscriber.query(
      `CREATE SUBSCRIPTION ${SUBSCRIPTION} CONNECTION '${publisher.conninfo(DB).replace(/'/g, "''")}'
         PUBLICATION ${PUBLICATION} WITH (copy_data = true)`,
      undefined,
      DB,
    );
    t0 = Date.now();
    const seconds = () => (Date.now() - t0) / 1000;

    let tracking: BackfillTracking | null = null;
    const samples: BackfillSample[] = [];
    let copySeconds: number | null = null;
    let lastCopyingAt = 0;
    let readySeconds: number | null = null;
    while (readySeconds === null) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`backfill did not finish in ${timeoutMs} ms`);
      const { rows } = await sub.query<PollRow>(POLL_SQL, [SUBSCRIPTION]);
      const row = rows[0];
      const copies = new Map((row.copy ?? []).map((c) => [c.rel, c]));
      const observation: BackfillObservation = {
        at: new Date(),
        syncErrorCount: row.sync_err === null ? null : Number(row.sync_err),
        maxSyncWorkers: row.max_sync_workers,
        tables: (row.rels ?? []).map((r) => {
          const copy = r.state === 'd' ? copies.get(r.rel) : undefined;
          const size = sizes.get(r.rel);
          return {
            table: r.rel,
            state: r.state,
            rowsCopied: copy ? Number(copy.tuples) : null,
            bytesCopied: copy ? Number(copy.bytes) : null,
            rowsEstimated: size?.rows ?? null,
            sizeBytes: size?.bytes ?? null,
          };
        }),
      };
      const estimate = estimateBackfill(tracking, observation, { stallAfterMs: 10_000, rateAlpha });
      tracking = JSON.parse(JSON.stringify(estimate.tracking)) as BackfillTracking; // as jsonb would store it
      const t = seconds();
      const states = observation.tables.map((x) => x.state).join('');
      samples.push({ t, view: estimate.view, states });
      const copying = observation.tables.some((x) => x.state === 'i' || x.state === 'd');
      if (copying) lastCopyingAt = t;
      // The last table left `d` between the last poll that saw it there and this one: take the middle.
      if (copySeconds === null && observation.tables.length > 0 && !copying) copySeconds = (lastCopyingAt + t) / 2;
      if (observation.tables.length > 0 && estimate.view === null) readySeconds = t;
      await new Promise((resolveDelay) => setTimeout(resolveDelay, pollMs));
    }
    const copyEnd = copySeconds ?? readySeconds;

    const checkpoints: EtaCheckpoint[] = MARKS.map((mark) => {
      const s = samples.find((x) => x.view !== null && x.view.percent >= mark);
      if (!s || !s.view) return { mark, at: NaN, percent: NaN, etaSeconds: null, actualSeconds: NaN, errorPct: null };
      const actualSeconds = copyEnd - s.t;
      const eta = s.view.etaSeconds;
      return {
        mark,
        at: s.t,
        percent: s.view.percent,
        etaSeconds: eta,
        actualSeconds,
        errorPct: eta === null || actualSeconds <= 0 ? null : ((eta - actualSeconds) / actualSeconds) * 100,
      };
    });
    return {
      machine: hostname(),
      publisherVersion: publisher.version,
      subscriberVersion: subscriber.version,
      bigTableBytes,
      smallTableBytes,
      generateMs,
      copySeconds: copyEnd,
      readySeconds,
      samples,
      checkpoints,
      maxSyncWorkers,
      pollMs,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
    await Promise.allSettled(clusters.map((c) => c.destroy()));
  }
}

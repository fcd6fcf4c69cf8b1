import type { BackfillView, TableSyncState, TableSyncView } from '@prm/contracts';

import type {
  BackfillEstimate,
  BackfillObservation,
  BackfillOptions,
  BackfillTracking,
  EstimateBackfill,
  TableObservation,
} from './backfill.types.js';

/**
 * Defaults for a 15 s poll: a copy with no progress for 2 min is stalled; the rate is an EWMA whose newest
 * sample weighs 0.3 (about 3–5 polls of memory, monitoring.md §1.4).
 */
export const DEFAULT_BACKFILL_OPTIONS: Readonly<BackfillOptions> = { stallAfterMs: 120_000, rateAlpha: 0.3 };

/** `max_sync_workers_per_subscription` when the subscriber did not say (PostgreSQL's default). */
export const DEFAULT_MAX_SYNC_WORKERS = 2;

/** A table in `d` never shows more than this before its state leaves `d` (row estimates are estimates). */
export const COPYING_PROGRESS_CAP = 0.99;

/** Observed ratio of text-COPY bytes to heap bytes (134.5 vs 149 B/row, monitoring.md §1.4); schema-dependent. */
export const COPY_BYTES_PER_HEAP_BYTE = 0.9;

const STATE_LABELS: Record<TableSyncState, string> = {
  i: 'init',
  d: 'copying',
  f: 'copied',
  s: 'synchronized',
  r: 'ready',
};

const TRACKING_VERSION = 1;

/** Memory of one table within the running backfill (all JSON). */
interface TableTrack {
  /** Highest progress seen in this backfill, 0..1 (what the total counts, so restarts never pull it back). */
  maxF: number;
  /** Progress at the last poll, 0..1 (drops to ~0 when the copy restarts). */
  f: number;
  /** Last non-null copy counter (rows, or COPY bytes when the row estimate is unknown), to spot restarts. */
  counter: number | null;
  state: TableSyncState;
  retries: number;
  /** Sync errors already counted as retries of this table whose restart has not shown yet. */
  pending: number;
  /** Epoch ms of the last poll at which this table progressed or changed state. */
  progressAt: number;
}

/** The JSON stored as {@link BackfillTracking}. */
interface Tracking {
  version: typeof TRACKING_VERSION;
  /** A backfill is running (some table was not `r` at the last poll). */
  active: boolean;
  /** Epoch ms the running backfill was first seen; null when idle. */
  startedAt: number | null;
  /** Epoch ms of the last observation. */
  at: number | null;
  /** Last reported percent (held: never reported lower while the same backfill runs). */
  percent: number;
  /** Units of the weights: heap bytes, or tables when no size was known. */
  unit: 'bytes' | 'tables';
  /** Cumulative positive progress, weight units (restart drops are not subtracted). */
  work: number;
  /** Rate reference point: epoch ms and `work` at the last rate sample. */
  refAt: number | null;
  refWork: number;
  /** Worker-milliseconds spent copying since the reference point (Σ Δt × tables copying). */
  busyMs: number;
  /** EWMA of the aggregate copy rate, weight units per second. */
  rate: number | null;
  /** EWMA of the rate of one sync worker, weight units per second (what the queue simulation uses). */
  workerRate: number | null;
  /**
   * The number of tables copying changed at the last poll: the next rate sample replaces the EWMAs instead of
   * blending in (workers share the servers' CPU, disk and network, so one worker's rate depends on how many run).
   * Absent in tracking stored before it existed (read as false).
   */
  rateFresh?: boolean;
  /** Epoch ms of the last poll at which the backfill progressed. */
  progressAt: number | null;
  syncErrorCount: number | null;
  /** Sync errors that could not be pinned on one table. */
  unattributedRetries: number;
  tables: Record<string, TableTrack>;
}

function idleTracking(): Tracking {
  return {
    version: TRACKING_VERSION,
    active: false,
    startedAt: null,
    at: null,
    percent: 0,
    unit: 'bytes',
    work: 0,
    refAt: null,
    refWork: 0,
    busyMs: 0,
    rate: null,
    workerRate: null,
    rateFresh: false,
    progressAt: null,
    syncErrorCount: null,
    unattributedRetries: 0,
    tables: {},
  };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v);
const isState = (v: unknown): v is TableSyncState => typeof v === 'string' && v in STATE_LABELS;

function isTableTrack(v: unknown): v is TableTrack {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return (
    isNum(t.maxF) &&
    isNum(t.f) &&
    isNumOrNull(t.counter) &&
    isState(t.state) &&
    isNum(t.retries) &&
    isNum(t.pending) &&
    isNum(t.progressAt)
  );
}

/**
 * Reads tracking stored by an earlier call (from jsonb). Anything not written by this version — null, another
 * version, a damaged document — yields null, and the estimator starts over as on first sight.
 */
export function readBackfillTracking(previous: BackfillTracking | null): Tracking | null {
  if (!previous || previous.version !== TRACKING_VERSION) return null;
  const t = previous as Record<string, unknown>;
  const ok =
    typeof t.active === 'boolean' &&
    isNumOrNull(t.startedAt) &&
    isNumOrNull(t.at) &&
    isNum(t.percent) &&
    (t.unit === 'bytes' || t.unit === 'tables') &&
    isNum(t.work) &&
    isNumOrNull(t.refAt) &&
    isNum(t.refWork) &&
    isNum(t.busyMs) &&
    isNumOrNull(t.rate) &&
    isNumOrNull(t.workerRate) &&
    (t.rateFresh === undefined || typeof t.rateFresh === 'boolean') &&
    isNumOrNull(t.progressAt) &&
    isNumOrNull(t.syncErrorCount) &&
    isNum(t.unattributedRetries) &&
    typeof t.tables === 'object' &&
    t.tables !== null &&
    Object.values(t.tables).every(isTableTrack);
  return ok ? (structuredClone(previous) as unknown as Tracking) : null;
}

/**
 * Progress of one table, 0..1, from one poll (monitoring.md §1.4): 1 in `f`/`s`/`r`, 0 in `i`; in `d`
 * `tuples_processed / est_rows`, or `bytes_processed / (0.9 × heap bytes)` without a row estimate, capped at 0.99.
 * Returns null in `d` when neither counter is usable (no `pg_stat_progress_copy` row visible).
 */
export function tableProgress(t: TableObservation): number | null {
  if (t.state === 'f' || t.state === 's' || t.state === 'r') return 1;
  if (t.state === 'i') return 0;
  if (t.rowsEstimated !== null && t.rowsEstimated > 0 && t.rowsCopied !== null) {
    return Math.min(COPYING_PROGRESS_CAP, Math.max(0, t.rowsCopied / t.rowsEstimated));
  }
  if (t.sizeBytes !== null && t.sizeBytes > 0 && t.bytesCopied !== null) {
    return Math.min(COPYING_PROGRESS_CAP, Math.max(0, t.bytesCopied / (COPY_BYTES_PER_HEAP_BYTE * t.sizeBytes)));
  }
  return null;
}

/** The copy counter whose drop means "restarted": rows when a row estimate exists, else COPY bytes. */
function copyCounter(t: TableObservation): number | null {
  if (t.state !== 'd') return null;
  return t.rowsEstimated !== null && t.rowsEstimated > 0 ? t.rowsCopied : t.bytesCopied;
}

/**
 * Weights (monitoring.md §1.4: publisher heap bytes). A table of unknown size weighs the mean of the known ones;
 * when no size is known every table weighs 1 and rates are in tables per second.
 */
function weights(tables: TableObservation[]): { unit: 'bytes' | 'tables'; w: Map<string, number> } {
  const known = tables.filter((t) => t.sizeBytes !== null && t.sizeBytes >= 0);
  const w = new Map<string, number>();
  if (known.length === 0) {
    for (const t of tables) w.set(t.table, 1);
    return { unit: 'tables', w };
  }
  const mean = known.reduce((s, t) => s + (t.sizeBytes as number), 0) / known.length;
  for (const t of tables) w.set(t.table, t.sizeBytes !== null && t.sizeBytes >= 0 ? t.sizeBytes : mean);
  return { unit: 'bytes', w };
}

/** A table the queue simulation schedules: its remaining work and whether a sync worker already copies it. */
export interface QueuedCopy {
  table: string;
  /** Weight units still to copy. */
  remaining: number;
  copying: boolean;
}

/**
 * Simulates the sync workers: tables already copying run first (all of them, even beyond `workers`), each at
 * `workerRate`; whenever one finishes, the next queued table (in the given order) takes its worker. Returns the
 * seconds from now at which each table finishes (0 for nothing left); the backfill ends at the maximum.
 */
export function simulateSyncQueue(copies: QueuedCopy[], workers: number, workerRate: number): Map<string, number> {
  const finish = new Map<string, number>();
  const running: { table: string; remaining: number }[] = [];
  const queue: { table: string; remaining: number }[] = [];
  for (const c of copies) {
    const job = { table: c.table, remaining: Math.max(0, c.remaining) };
    if (c.copying) running.push(job);
    else queue.push(job);
  }
  const slots = Math.max(1, workers);
  while (running.length < slots && queue.length > 0)
    running.push(queue.shift() as { table: string; remaining: number });
  let now = 0;
  while (running.length > 0) {
    let next = 0;
    for (let i = 1; i < running.length; i++) if (running[i].remaining < running[next].remaining) next = i;
    const dt = running[next].remaining / workerRate;
    now += dt;
    for (const job of running) job.remaining -= dt * workerRate;
    const [done] = running.splice(next, 1);
    finish.set(done.table, now);
    while (running.length < slots && queue.length > 0) {
      running.push(queue.shift() as { table: string; remaining: number });
    }
  }
  return finish;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
/** ETAs to 0.1 s: whole seconds would be a 10 % error on a copy with 10 s left. */
const roundEta = (s: number) => Math.round(s * 10) / 10;

function tableView(
  t: TableObservation,
  f: number,
  retries: number,
  eta: number | null,
  stalled: boolean,
  stalledForMs: number,
): TableSyncView {
  return {
    table: t.table,
    state: t.state,
    stateLabel: STATE_LABELS[t.state],
    rowsCopied: t.rowsCopied,
    rowsEstimated: t.rowsEstimated,
    sizeBytes: t.sizeBytes,
    progress: Math.round(f * 10_000) / 10_000,
    retries,
    etaSeconds: eta === null ? null : roundEta(eta),
    stalled,
    problem: stalled ? `no copy progress for ${Math.round(stalledForMs / 1000)} s` : null,
  };
}

/**
 * Backfill (initial table sync) progress and ETA from successive polls of one subscription
 * (monitoring.md §1.4; subscriber `pg_subscription_rel` + `pg_stat_progress_copy`, publisher size query §1.2).
 *
 * - Weights: publisher heap bytes (mean of the known sizes for an unknown one; 1 each when none is known).
 * - Percent: 100·Σ wᵢ·maxFᵢ / Σ wᵢ over the tables of the running backfill, never lower than the last one
 *   reported while that backfill runs. A copy that restarts (its counter fell: the sync worker failed and began
 *   again) counts a retry on its table; the table's own `progress` shows the restart, the total does not move back.
 * - Rate: EWMA (`options.rateAlpha` per sample) of positive progress per second, kept across polls without change
 *   until `options.stallAfterMs`; also per sync worker (progress per worker-second), which the queue uses. When the
 *   number of tables copying changes (a table finished, another started), the first sample wholly after the change
 *   replaces both EWMAs: sync workers share the servers, so one worker's rate depends on how many run.
 * - ETA: {@link simulateSyncQueue} with `maxSyncWorkers` (default 2) workers; tables in `i` are queued.
 * - Stalled: tables are copying but nothing progressed for `stallAfterMs` → `stalled`, ETA null, rate forgotten;
 *   copying tables without progress for that long are flagged (and any such table makes the total ETA null).
 * - All tables `r` (or none): `view` null; the tracking stays, so tables added later start a new backfill whose
 *   percent covers only them. On first sight (no usable tracking) every listed table belongs to the backfill.
 *
 * Pure: the result depends only on the arguments; `tracking` is plain JSON for jsonb.
 */
export const estimateBackfill: EstimateBackfill = (
  previous: BackfillTracking | null,
  observation: BackfillObservation,
  options: BackfillOptions,
): BackfillEstimate => {
  const now = observation.at.getTime();
  const prior = readBackfillTracking(previous);
  const tr: Tracking = prior ?? idleTracking();
  const obs = observation.tables;
  const allReady = obs.every((t) => t.state === 'r');

  if (allReady) {
    const idle = idleTracking();
    idle.at = now;
    idle.syncErrorCount = observation.syncErrorCount;
    return {
      view: null,
      tables: obs.map((t) => tableView(t, 1, 0, 0, false, 0)),
      tracking: idle as unknown as BackfillTracking,
    };
  }

  // Start a new backfill: on first sight every table is part of it; after an idle period only the new work.
  if (!tr.active) {
    const firstSight = prior === null;
    Object.assign(tr, idleTracking(), {
      active: true,
      startedAt: now,
      progressAt: now,
      refAt: now,
      syncErrorCount: prior?.syncErrorCount ?? observation.syncErrorCount,
    });
    for (const t of obs) {
      if (!firstSight && t.state === 'r') continue;
      const f = tableProgress(t) ?? 0;
      tr.tables[t.table] = {
        maxF: f,
        f,
        counter: copyCounter(t),
        state: t.state,
        retries: 0,
        pending: 0,
        progressAt: now,
      };
    }
  }

  const { unit, w } = weights(obs);
  // Sizes appeared or vanished: rates in the old unit mean nothing now.
  const unitChanged = unit !== tr.unit;
  tr.unit = unit;

  // Tables that left the subscription leave the backfill; new non-ready tables join it.
  const seen = new Set(obs.map((t) => t.table));
  for (const name of Object.keys(tr.tables)) if (!seen.has(name)) delete tr.tables[name];
  const dt = tr.at !== null ? Math.max(0, now - tr.at) : 0;
  const copyingBefore = Object.values(tr.tables).filter((t) => t.state === 'd').length;

  let gained = 0;
  let stateChanged = false;
  let restarts = 0;
  const restartedNow = new Set<string>();
  const progressedNow = new Set<string>();
  for (const t of obs) {
    let track = tr.tables[t.table];
    if (!track) {
      if (t.state === 'r') continue;
      const f0 = tableProgress(t) ?? 0;
      track = { maxF: f0, f: f0, counter: copyCounter(t), state: t.state, retries: 0, pending: 0, progressAt: now };
      tr.tables[t.table] = track;
      stateChanged = true;
      continue;
    }
    const weight = w.get(t.table) as number;
    const counter = copyCounter(t);
    const restarted =
      t.state === 'd' && track.state === 'd' && counter !== null && track.counter !== null && counter < track.counter;
    // No progress row in `d` (worker between attempts, or not visible): assume unchanged until one shows.
    const f = restarted ? (tableProgress(t) ?? 0) : (tableProgress(t) ?? (t.state === 'd' ? track.f : 0));
    if (restarted) {
      restartedNow.add(t.table);
      if (track.pending > 0) {
        track.pending -= 1; // its sync error was counted when the counter rose
      } else {
        track.retries += 1;
        restarts += 1;
      }
    }
    if (f > track.f) {
      gained += weight * (f - track.f);
      progressedNow.add(t.table);
    }
    if (t.state !== track.state) stateChanged = true;
    if (f > track.f || t.state !== track.state || restarted) track.progressAt = now;
    track.f = f;
    track.maxF = Math.max(track.maxF, f);
    track.state = t.state;
    if (counter !== null || t.state !== 'd') track.counter = counter;
  }

  // Sync errors (PG15+) beyond the restarts seen: pin them on the only copying table, if there is just one.
  if (observation.syncErrorCount !== null && tr.syncErrorCount !== null) {
    const rise = observation.syncErrorCount - tr.syncErrorCount;
    const unexplained = rise - restarts;
    if (rise > 0 && unexplained > 0) {
      const copying = obs.filter((t) => t.state === 'd' && tr.tables[t.table] && !restartedNow.has(t.table));
      if (copying.length === 1 && !progressedNow.has(copying[0].table)) {
        tr.tables[copying[0].table].retries += unexplained;
        tr.tables[copying[0].table].pending += unexplained;
      } else {
        tr.unattributedRetries += unexplained;
      }
    }
  }
  tr.syncErrorCount = observation.syncErrorCount;

  const scope = obs.filter((t) => tr.tables[t.table]);
  const copyingNow = scope.filter((t) => t.state === 'd').length;
  tr.work += gained;
  // Worker time: the tables that progressed (a stuck one does not slow the others' rate), else those copying.
  tr.busyMs += dt * (gained > 0 ? progressedNow.size : Math.max(1, (copyingBefore + copyingNow) / 2));
  if (gained > 0 || stateChanged) tr.progressAt = now;

  const stalledFor = tr.progressAt !== null ? now - tr.progressAt : 0;
  const stalled = copyingNow > 0 && stalledFor >= options.stallAfterMs;
  if (stalled || unitChanged) {
    Object.assign(tr, { rate: null, workerRate: null, refAt: now, refWork: tr.work, busyMs: 0 });
  } else if (tr.refAt !== null && tr.work > tr.refWork && now > tr.refAt) {
    const sample = (tr.work - tr.refWork) / ((now - tr.refAt) / 1000);
    const perWorker = tr.busyMs > 0 ? (tr.work - tr.refWork) / (tr.busyMs / 1000) : sample;
    const a = tr.rateFresh ? 1 : options.rateAlpha;
    tr.rate = tr.rate === null ? sample : a * sample + (1 - a) * tr.rate;
    tr.workerRate = tr.workerRate === null ? perWorker : a * perWorker + (1 - a) * tr.workerRate;
    Object.assign(tr, { refAt: now, refWork: tr.work, busyMs: 0, rateFresh: false });
  } else if (tr.refAt === null) {
    Object.assign(tr, { refAt: now, refWork: tr.work, busyMs: 0 });
  }
  // This poll's sample straddled the change; the next one is the first wholly at the new concurrency.
  if (copyingNow !== copyingBefore) tr.rateFresh = true;
  tr.at = now;

  // Percent over the backfill's tables with held per-table maxima; never below the last one reported.
  let total = 0;
  let held = 0;
  for (const t of scope) {
    const weight = w.get(t.table) as number;
    total += weight;
    held += weight * tr.tables[t.table].maxF;
  }
  const computed = total > 0 ? (100 * held) / total : 100;
  tr.percent = Math.max(tr.percent, round2(computed));

  const tableStalled = (t: TableObservation) =>
    t.state === 'd' && !!tr.tables[t.table] && now - tr.tables[t.table].progressAt >= options.stallAfterMs;
  const anyTableStalled = scope.some(tableStalled);
  const workers = observation.maxSyncWorkers ?? DEFAULT_MAX_SYNC_WORKERS;
  const finish =
    tr.workerRate !== null && tr.workerRate > 0 && !stalled
      ? simulateSyncQueue(
          scope
            .filter((t) => t.state === 'd' || t.state === 'i')
            .map((t) => ({
              table: t.table,
              remaining: (w.get(t.table) as number) * (1 - tr.tables[t.table].f),
              copying: t.state === 'd',
            })),
          workers,
          tr.workerRate,
        )
      : null;

  const tables = obs.map((t) => {
    const track = tr.tables[t.table];
    if (!track) return tableView(t, 1, 0, 0, false, 0);
    const isStalled = tableStalled(t);
    const done = t.state === 'f' || t.state === 's' || t.state === 'r';
    const eta = done ? 0 : isStalled || !finish ? null : (finish.get(t.table) ?? null);
    return tableView(t, track.f, track.retries, eta, isStalled, now - track.progressAt);
  });

  let etaSeconds: number | null = null;
  if (finish && !anyTableStalled) {
    etaSeconds = roundEta(Math.max(0, ...finish.values()));
  }
  const view: BackfillView = {
    percent: tr.percent,
    tablesTotal: scope.length,
    tablesDone: scope.filter((t) => t.state === 'f' || t.state === 's' || t.state === 'r').length,
    tablesCopying: copyingNow,
    tablesQueued: scope.filter((t) => t.state === 'i').length,
    rateBytesPerSecond: tr.unit === 'bytes' && tr.rate !== null ? Math.round(tr.rate) : null,
    etaSeconds,
    etaAt: etaSeconds === null ? null : new Date(now + etaSeconds * 1000).toISOString(),
    stalled,
    maxSyncWorkers: observation.maxSyncWorkers,
    startedAt: tr.startedAt === null ? null : new Date(tr.startedAt).toISOString(),
  };
  return { view, tables, tracking: tr as unknown as BackfillTracking };
};

/**
 * Streams: one publication on a source endpoint + one subscription on a target endpoint (+ its replication slot).
 * Units are in the field names or docs: bytes, seconds, ms. LSNs are strings as PostgreSQL prints them.
 */

/**
 * - `initializing`: subscription enabled, tables in `i` (nothing copying yet) or the apply worker not up yet.
 * - `backfilling`: at least one table in `d`/`f`/`s` (initial table sync running).
 * - `streaming`: every table `r`, apply worker running, slot active.
 * - `stalled`: enabled and worker expected, but no progress (worker missing, slot inactive, or a copy stuck).
 * - `disabled`: `subenabled = false`.
 * - `error`: apply/sync error counters rising or a replication error logged since the last good poll.
 * - `unknown`: an end cannot be polled or the stream's publisher is not known.
 */
export const STREAM_STATES = [
  'initializing',
  'backfilling',
  'streaming',
  'stalled',
  'disabled',
  'error',
  'unknown',
] as const;
export type StreamState = (typeof STREAM_STATES)[number];

/** `ok` below the warning threshold; otherwise the highest threshold crossed (bytes or seconds). */
export type ThresholdLevel = 'ok' | 'warning' | 'critical';

/** Lag thresholds; null = not set (no alerting on that dimension). */
export interface LagThresholds {
  warningBytes: number | null;
  criticalBytes: number | null;
  warningSeconds: number | null;
  criticalSeconds: number | null;
}

/** `srsubstate` letters: i init, d data copy, f copy finished (PG14+), s synchronized, r ready. */
export type TableSyncState = 'i' | 'd' | 'f' | 's' | 'r';

/** One table of a subscription and its initial sync. */
export interface TableSyncView {
  /** `schema.table` as `regclass::text` prints it on the subscriber. */
  table: string;
  state: TableSyncState;
  /** Human word for `state`: init, copying, copied, synchronized, ready. */
  stateLabel: string;
  /** Rows copied so far (subscriber `pg_stat_progress_copy.tuples_processed`), null when not copying. */
  rowsCopied: number | null;
  /** Publisher row estimate (`reltuples/relpages × pages`), null when unknown. */
  rowsEstimated: number | null;
  /** Publisher heap size, bytes (the weight in the stream's progress). */
  sizeBytes: number | null;
  /** 0..1 for this table. */
  progress: number;
  /** Times this table's copy failed and restarted (from `sync_error_count` rises while it was copying). */
  retries: number;
  /** Estimated seconds until this table is copied (queued tables wait for a sync worker), null if unknown. */
  etaSeconds: number | null;
  /** True when this table's copy made no progress for the stall window. */
  stalled: boolean;
  /** Why the table is not progressing, when known (e.g. missing on the subscriber, from the log). */
  problem: string | null;
}

/** Initial table sync (backfill) of a stream; null on a stream whose tables are all `r`. */
export interface BackfillView {
  /** 0..100, weighted by table size; never decreases while the same backfill runs. */
  percent: number;
  tablesTotal: number;
  /** Tables in `f`/`s`/`r`. */
  tablesDone: number;
  tablesCopying: number;
  tablesQueued: number;
  /** Smoothed copy rate, bytes/s of publisher heap (EWMA over recent polls); null before two samples. */
  rateBytesPerSecond: number | null;
  /** Seconds until every table is copied (null when unknown or stalled). */
  etaSeconds: number | null;
  /** ISO time the ETA points at. */
  etaAt: string | null;
  stalled: boolean;
  /** `max_sync_workers_per_subscription` on the subscriber. */
  maxSyncWorkers: number | null;
  startedAt: string | null;
}

/** A replication-related error from a server log (or from counters when no log source is configured). */
export interface ReplicationErrorView {
  id: string;
  endpointId: string;
  streamId: string | null;
  /** Server timestamp of the log line (or of the poll that saw a counter rise). */
  at: string;
  severity: string;
  sqlstate: string | null;
  message: string;
  detail: string | null;
  context: string | null;
  /** `logical replication apply worker` | `... table synchronization worker` | `walsender` | `counter` ... */
  source: string;
  table: string | null;
  /** `finished at <LSN>` from the CONTEXT line: the argument `ALTER SUBSCRIPTION ... SKIP (lsn = ...)` needs. */
  finishLsn: string | null;
  /** Subscription the error belongs to (from the message, the worker's start line or origin `pg_<subid>`). */
  subscription?: string | null;
  /** Constraint named in the message (`unique constraint "t2_pkey"`). */
  constraintName?: string | null;
  /** The key from DETAIL `Key (id)=(5000) already exists.`, as `(id)=(5000)`. */
  key?: string | null;
}

export interface StreamLag {
  /** Publisher WAL position − slot `confirmed_flush_lsn`, bytes (one clock: the publisher's). */
  bytes: number | null;
  /** Age of the oldest publisher WAL sample not yet confirmed, seconds; 0 when caught up (idle-safe). */
  seconds: number | null;
  /** Walsender `write_lag`/`flush_lag`/`replay_lag`, seconds (NULL ~20 s after activity stops → 0). */
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  replayLagSeconds: number | null;
}

/** One row of `GET /api/streams`. */
export interface StreamView {
  id: string;
  sourceEndpointId: string | null;
  targetEndpointId: string;
  sourceName: string | null;
  targetName: string;
  subscription: string;
  publications: string[];
  slotName: string | null;
  state: StreamState;
  /** Why the state is what it is, one line (e.g. "apply worker not running"). */
  stateReason: string | null;
  lag: StreamLag;
  level: ThresholdLevel;
  thresholds: LagThresholds;
  /** True when the thresholds are this stream's own, false when the global defaults apply. */
  thresholdsOverridden: boolean;
  backfill: BackfillView | null;
  lastErrorAt: string | null;
  /** PG15+ counters (cumulative since the subscription was created or stats reset). */
  applyErrorCount: number | null;
  syncErrorCount: number | null;
  /** Tables in the publication the subscription does not have (REFRESH PUBLICATION missing), and the reverse. */
  drift: { missingOnSubscriber: string[]; notInPublication: string[] };
  /** The subscription's stored conninfo carries a plaintext password. */
  conninfoHasPassword: boolean | null;
  /** Paused through prm: when (ISO) and by whom (as the audit log names them); null otherwise. */
  pausedAt?: string | null;
  pausedBy?: string | null;
  updatedAt: string | null;
}

/** `GET /api/streams/:id`: everything on the Stream page. */
export interface StreamDetailView extends StreamView {
  publicationDetail: {
    names: string[];
    allTables: boolean;
    tables: string[];
    operations: { insert: boolean; update: boolean; delete: boolean; truncate: boolean };
  } | null;
  subscriptionDetail: {
    enabled: boolean;
    workerPid: number | null;
    receivedLsn: string | null;
    latestEndLsn: string | null;
    lastMsgReceiptTime: string | null;
    latestEndTime: string | null;
    options: Record<string, string | boolean | null>;
  } | null;
  slotDetail: {
    name: string;
    active: boolean;
    walStatus: string | null;
    restartLsn: string | null;
    confirmedFlushLsn: string | null;
    retainedBytes: number | null;
  } | null;
  tables: TableSyncView[];
  errors: ReplicationErrorView[];
}

/** One point of `GET /api/streams/:id/metrics` (bucketed by `step` seconds; max within the bucket). */
export interface StreamMetricPoint {
  at: string;
  lagBytes: number | null;
  lagSeconds: number | null;
  backfillPercent: number | null;
}

export interface StreamMetricsView {
  streamId: string;
  from: string;
  to: string;
  /** Bucket width, seconds. */
  step: number;
  points: StreamMetricPoint[];
}

import type { BackfillView, TableSyncState, TableSyncView } from '@prm/contracts';

/** What one poll saw of one subscribed table (subscriber `pg_subscription_rel` + `pg_stat_progress_copy`, publisher size query). */
export interface TableObservation {
  /** `schema.table` as the subscriber's `srrelid::regclass::text` prints it. */
  table: string;
  state: TableSyncState;
  /** `pg_stat_progress_copy.tuples_processed` of the table sync worker's COPY FROM; null when not copying. */
  rowsCopied: number | null;
  /** `pg_stat_progress_copy.bytes_processed` (text COPY bytes, not heap bytes); null when not copying. */
  bytesCopied: number | null;
  /** Publisher row estimate (`reltuples/relpages × pages`), null when never analyzed. */
  rowsEstimated: number | null;
  /** Publisher heap size (`pg_relation_size`), bytes; null when unknown. */
  sizeBytes: number | null;
}

/** One poll's view of a subscription's initial table sync. */
export interface BackfillObservation {
  /** When the subscriber was polled (its `now()`). */
  at: Date;
  tables: TableObservation[];
  /** PG15+ `pg_stat_subscription_stats.sync_error_count` (cumulative); null before 15. */
  syncErrorCount: number | null;
  /** Subscriber `max_sync_workers_per_subscription`; null when unknown (assume 2, the default). */
  maxSyncWorkers: number | null;
}

/** Tuning of {@link BackfillEstimator}. */
export interface BackfillOptions {
  /** No progress for this long marks a copying table (and the backfill) stalled, ms. */
  stallAfterMs: number;
  /** EWMA smoothing factor of the copy rate, 0..1 (weight of the newest sample). */
  rateAlpha: number;
}

/**
 * Opaque, JSON-serialisable memory carried from one poll to the next (stored with the stream's status), so that
 * the rate can be smoothed, retries counted and the total kept from going backwards across monitor restarts.
 */
export type BackfillTracking = Record<string, unknown>;

export interface BackfillEstimate {
  /** null once every table is `r` (and no backfill is running). */
  view: BackfillView | null;
  tables: TableSyncView[];
  tracking: BackfillTracking;
}

/** Computes backfill progress and ETA from successive observations (see monitoring.md §1.4). */
export type EstimateBackfill = (
  previous: BackfillTracking | null,
  observation: BackfillObservation,
  options: BackfillOptions,
) => BackfillEstimate;

/**
 * What the monitor learns about one endpoint per poll, from one catalog statement
 * (see shared/research/monitoring.md §1). LSNs are strings as PostgreSQL prints them (`0/16B3748`).
 */
export interface PublicationInfo {
  name: string;
  allTables: boolean;
  /** `schema.table`, quoted where needed, as `regclass::text` prints it. */
  tables: string[];
  insert: boolean;
  update: boolean;
  delete: boolean;
  truncate: boolean;
}

export interface SubscriptionInfo {
  oid: number;
  name: string;
  enabled: boolean;
  publications: string[];
  slotName: string | null;
  /** `subconninfo` with every password removed; null when this role cannot read it. */
  conninfo: string | null;
  /** Parsed from conninfo (host, port, dbname) to match a known endpoint; null when unreadable. */
  publisherHost: string | null;
  publisherPort: number | null;
  publisherDbname: string | null;
  /** The stored conninfo carries a plaintext `password=` (flagged, never shown). */
  conninfoHasPassword: boolean | null;
  /** Apply worker pid, null when the worker is not running. */
  workerPid: number | null;
  receivedLsn: string | null;
  latestEndLsn: string | null;
  lastMsgReceiptTime: string | null;
  latestEndTime: string | null;
  /** PG15+ `pg_stat_subscription_stats`; null before 15. */
  applyErrorCount: number | null;
  syncErrorCount: number | null;
  /**
   * Subscription options from `pg_subscription` (`slot_name`, `synchronous_commit`, `streaming`, `binary`,
   * `two_phase` 15+, `disable_on_error` 15+, `origin` 16+, `failover` 17+); absent in snapshots older than issue 3.
   */
  options?: Record<string, string | boolean | null>;
  /** Per-table initial sync state (`pg_subscription_rel`); absent in snapshots older than issue 3. */
  tables?: SubscriptionTableInfo[];
  /** Running table synchronization workers (`pg_stat_subscription` rows with `relid` set). */
  syncWorkers?: { pid: number | null; table: string }[];
}

/** One row of `pg_subscription_rel`. */
export interface SubscriptionTableInfo {
  /** `schema.table` as `format('%I.%I', nspname, relname)` prints it (always schema-qualified). */
  table: string;
  /** `srsubstate`: i init, d data copy, f copy finished (PG14+), s synchronized, r ready. */
  state: 'i' | 'd' | 'f' | 's' | 'r';
  /** `srsublsn`: the LSN where the table's state last changed (null in `i`/`d`). */
  lsn: string | null;
}

/** One `pg_stat_progress_copy` row of the current database. */
export interface CopyProgressInfo {
  /** `COPY FROM` on a subscriber (table sync worker), `COPY TO` on a publisher (walsender). */
  command: 'COPY FROM' | 'COPY TO';
  pid: number | null;
  /** `schema.table` (always schema-qualified); null for a COPY of a query. */
  table: string | null;
  /** Rows processed so far. */
  tuplesProcessed: number | null;
  /** Bytes of COPY data processed so far (text format, not heap bytes). */
  bytesProcessed: number | null;
}

/** One published table's size on a publisher (the size query, run at most every `PRM_TABLE_SIZE_REFRESH_MS`). */
export interface TableSizeInfo {
  publication: string;
  /** `schema.table` as `format('%I.%I')` prints it. */
  table: string;
  /** `pg_relation_size` (main fork), bytes. */
  heapBytes: number | null;
  /** `reltuples / relpages × current pages`; null when never analyzed or partitioned. */
  estimatedRows: number | null;
}

export interface SlotInfo {
  name: string;
  plugin: string | null;
  slotType: 'logical' | 'physical';
  database: string | null;
  active: boolean;
  activePid: number | null;
  /** `reserved` | `extended` | `unreserved` | `lost` (PG13+). */
  walStatus: string | null;
  restartLsn: string | null;
  confirmedFlushLsn: string | null;
  /** `pg_current_wal_lsn() - restart_lsn`, bytes. */
  retainedBytes: number | null;
  /** `pg_current_wal_lsn() - confirmed_flush_lsn`, bytes. */
  lagBytes: number | null;
  /** Walsender (`pg_stat_replication` on `active_pid`) `write_lag`/`flush_lag`/`replay_lag`, seconds; null when idle. */
  writeLagSeconds?: number | null;
  flushLagSeconds?: number | null;
  replayLagSeconds?: number | null;
  /** Walsender `state` (`streaming`, `catchup`, ...); null without a walsender. */
  walsenderState?: string | null;
  /**
   * `pg_replication_slots.safe_wal_size` (PG13+), bytes of WAL that can still be written before this slot is in danger
   * of reaching `max_slot_wal_keep_size` (wal_status `lost`); null when that setting is -1 (unlimited).
   */
  safeWalSizeBytes?: number | null;
}

/**
 * - `reachable`: prm polled it this round.
 * - `unreachable`: prm cannot reach it and nothing suggests it is alive.
 * - `unreachable-from-prm`: prm cannot reach it, but its subscribers still receive from it
 *   (a network path problem between prm and the endpoint, not an outage; orchestrator's holistic view).
 * - `unknown`: not polled yet.
 */
export type Reachability = 'reachable' | 'unreachable' | 'unreachable-from-prm' | 'unknown';

export interface EndpointStatus {
  endpointId: string;
  reachability: Reachability;
  /** Round trip of the poll statement, ms. */
  rttMs: number | null;
  serverVersion: string | null;
  serverVersionNum: number | null;
  walLevel: string | null;
  /** The server's `now()` at the poll. */
  serverTime: string | null;
  /** `pg_current_wal_lsn()` (null on a standby). */
  walLsn: string | null;
  lastError: { code: string; message: string; at: string } | null;
  /** When prm last reached it. */
  lastSeenAt: string | null;
  checkedAt: string;
  consecutiveFailures: number;
  publications: PublicationInfo[];
  subscriptions: SubscriptionInfo[];
  slots: SlotInfo[];
  /** `pg_stat_progress_copy` rows of this database (COPY FROM of table sync workers, COPY TO of walsenders). */
  copyProgress?: CopyProgressInfo[];
  /** `max_sync_workers_per_subscription`. */
  maxSyncWorkers?: number | null;
  /** Published tables' sizes (publisher side), as of {@link EndpointStatus.tableSizesAt}; null before the first run. */
  tableSizes?: TableSizeInfo[] | null;
  /** When the size query last ran (prm clock). */
  tableSizesAt?: string | null;
}

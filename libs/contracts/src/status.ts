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
}

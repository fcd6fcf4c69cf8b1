import {
  type CopyProgressInfo,
  type PublicationInfo,
  type SlotInfo,
  type SubscriptionInfo,
  type SubscriptionTableInfo,
  type TableSizeInfo,
} from '@prm/contracts';

import { type ConninfoTarget, conninfoHasPassword, conninfoTarget, stripPassword } from '../conninfo.js';
import { ConninfoParseError } from '../errors.js';
import { discoveryStatement, discoveryStatementName, TABLE_SIZE_STATEMENT } from './discovery.sql.js';

/**
 * What one discovery statement tells about an endpoint (see `discovery.sql.ts`).
 * LSNs are strings as PostgreSQL prints them (`0/16B3748`); times are ISO 8601 strings of the server clock.
 * Every subscription conninfo is already stripped of passwords.
 */
export interface DiscoveryResult {
  /** The server's `now()`. */
  serverTime: string;
  serverVersionNum: number;
  /** `server_version`, e.g. `17.2`. */
  serverVersion: string;
  /** `wal_level` (`logical` is needed to publish). */
  walLevel: string;
  /** `current_database()`: subscriptions are per database, slots and walsenders cluster-wide. */
  database: string;
  /** `pg_is_in_recovery()`: a standby has no `pg_current_wal_lsn()`. */
  inRecovery: boolean;
  /** `pg_current_wal_lsn()`, null on a standby. */
  walLsn: string | null;
  publications: PublicationInfo[];
  /** Subscriptions of the current database, by name. */
  subscriptions: SubscriptionInfo[];
  /** Logical and physical slots of the cluster, by name, with their walsender's lags. */
  slots: SlotInfo[];
  /** `pg_stat_progress_copy` of this database: table sync COPY FROM (subscriber), walsender COPY TO (publisher). */
  copyProgress: CopyProgressInfo[];
  /** `max_sync_workers_per_subscription` (default 2). */
  maxSyncWorkers: number | null;
}

/** The minimal client surface discovery needs (a `pg.Client` or a wrapper around one). */
export interface DiscoveryClient {
  query(text: string): Promise<{ rows: unknown[] }>;
  /**
   * Runs `text` as the named prepared statement `name` of this session (parsed and planned once), when the
   * session can keep one; {@link runDiscovery} uses it when present, else {@link query}.
   */
  queryPrepared?(name: string, text: string): Promise<{ rows: unknown[] }>;
}

/** Raised when the statement's JSON does not have the expected shape (a bug, or a server we do not know). */
export class DiscoveryParseError extends Error {
  constructor(message: string) {
    super(`discovery result malformed: ${message}`);
    this.name = 'DiscoveryParseError';
  }
}

/**
 * Runs the ONE discovery statement for `serverVersionNum` on `client` and parses it.
 * The raw `subconninfo` never leaves this function: it is reduced to the password-free conninfo,
 * the parsed target (host, port, dbname) and a has-password flag.
 * @param client a connected client on the endpoint's database (autocommit, so stats are fresh per poll).
 * @param serverVersionNum the server's `server_version_num` (picks the statement text).
 * @throws UnsupportedServerVersionError below PG14; DiscoveryParseError on an unexpected shape; the
 *   driver's error (SQLSTATE in `.code`) when the statement fails.
 */
export async function runDiscovery(client: DiscoveryClient, serverVersionNum: number): Promise<DiscoveryResult> {
  const sql = discoveryStatement(serverVersionNum);
  const res = client.queryPrepared
    ? await client.queryPrepared(discoveryStatementName(serverVersionNum), sql)
    : await client.query(sql);
  const row = res.rows[0] as { d?: unknown } | undefined;
  if (!row || row.d === undefined) throw new DiscoveryParseError('no row');
  return parseDiscovery(typeof row.d === 'string' ? (JSON.parse(row.d) as unknown) : row.d);
}

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new DiscoveryParseError(`${what} is not an object`);
  return v as Json;
}
function arr(v: unknown, what: string): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new DiscoveryParseError(`${what} is not an array`);
  return v;
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new DiscoveryParseError(`${what} is not a string`);
  return v;
}
function strOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function numOrNull(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}
function bool(v: unknown): boolean {
  return v === true;
}

/**
 * Parses the statement's JSON (exported for unit tests). Strips passwords from conninfo.
 * @throws DiscoveryParseError when a required field is missing or of the wrong type.
 */
export function parseDiscovery(raw: unknown): DiscoveryResult {
  const d = obj(raw, 'result');
  return {
    serverTime: str(d['now'], 'now'),
    serverVersionNum: numOrNull(d['server_version_num']) ?? 0,
    serverVersion: str(d['server_version'], 'server_version'),
    walLevel: str(d['wal_level'], 'wal_level'),
    database: str(d['database'], 'database'),
    inRecovery: bool(d['in_recovery']),
    walLsn: strOrNull(d['wal_lsn']),
    publications: arr(d['publications'], 'publications').map((p, i) => parsePublication(obj(p, `publications[${i}]`))),
    subscriptions: arr(d['subscriptions'], 'subscriptions').map((s, i) =>
      parseSubscription(obj(s, `subscriptions[${i}]`)),
    ),
    slots: arr(d['slots'], 'slots').map((s, i) => parseSlot(obj(s, `slots[${i}]`))),
    copyProgress: arr(d['copy'], 'copy').map((c, i) => parseCopy(obj(c, `copy[${i}]`))),
    maxSyncWorkers: numOrNull(d['max_sync_workers']),
  };
}

function parseCopy(c: Json): CopyProgressInfo {
  return {
    command: c['command'] === 'COPY TO' ? 'COPY TO' : 'COPY FROM',
    pid: numOrNull(c['pid']),
    table: strOrNull(c['table']),
    tuplesProcessed: numOrNull(c['tuples']),
    bytesProcessed: numOrNull(c['bytes']),
  };
}

const SYNC_STATES = new Set(['i', 'd', 'f', 's', 'r']);

function parseTable(t: Json): SubscriptionTableInfo {
  const state = str(t['state'], 'srsubstate');
  if (!SYNC_STATES.has(state)) throw new DiscoveryParseError(`unknown srsubstate ${JSON.stringify(state)}`);
  return { table: str(t['table'], 'table'), state: state as SubscriptionTableInfo['state'], lsn: strOrNull(t['lsn']) };
}

function parseOptions(o: unknown): Record<string, string | boolean | null> {
  if (o === null || o === undefined) return {};
  const out: Record<string, string | boolean | null> = {};
  for (const [k, v] of Object.entries(obj(o, 'subscription options'))) {
    out[k] = typeof v === 'string' || typeof v === 'boolean' ? v : v === null ? null : String(v);
  }
  return out;
}

/** Parses the size statement's JSON array (exported for unit tests). */
export function parseTableSizes(raw: unknown): TableSizeInfo[] {
  return arr(raw, 'table sizes').map((r, i) => {
    const t = obj(r, `table sizes[${i}]`);
    return {
      publication: str(t['publication'], 'publication'),
      table: str(t['table'], 'table'),
      heapBytes: numOrNull(t['heap_bytes']),
      estimatedRows: numOrNull(t['est_rows']),
    };
  });
}

/**
 * Runs the publisher's table-size statement ({@link TABLE_SIZE_STATEMENT}, monitoring.md §1.2) on `client`:
 * one row per published table and publication, heap bytes and row estimate.
 * @throws DiscoveryParseError on an unexpected shape; the driver's error when the statement fails.
 */
export async function runTableSizes(client: DiscoveryClient): Promise<TableSizeInfo[]> {
  const res = await client.query(TABLE_SIZE_STATEMENT);
  const row = res.rows[0] as { d?: unknown } | undefined;
  if (!row || row.d === undefined) throw new DiscoveryParseError('no row');
  return parseTableSizes(typeof row.d === 'string' ? (JSON.parse(row.d) as unknown) : row.d);
}

function parsePublication(p: Json): PublicationInfo {
  return {
    name: str(p['name'], 'publication name'),
    allTables: bool(p['all_tables']),
    tables: arr(p['tables'], 'publication tables').map((t) => str(t, 'publication table')),
    insert: bool(p['insert']),
    update: bool(p['update']),
    delete: bool(p['delete']),
    truncate: bool(p['truncate']),
  };
}

/**
 * The password-free view of a raw `subconninfo`. A string libpq's grammar rejects is dropped whole (it might hold
 * a password we cannot locate), so `conninfo` is null and `conninfoHasPassword` unknown.
 */
function safeConninfo(raw: string | null): {
  conninfo: string | null;
  target: ConninfoTarget | null;
  hasPassword: boolean | null;
} {
  if (raw === null) return { conninfo: null, target: null, hasPassword: null };
  try {
    return { conninfo: stripPassword(raw), target: conninfoTarget(raw), hasPassword: conninfoHasPassword(raw) };
  } catch (err) {
    if (err instanceof ConninfoParseError) return { conninfo: null, target: null, hasPassword: null };
    throw err;
  }
}

function parseSubscription(s: Json): SubscriptionInfo {
  const { conninfo, target, hasPassword } = safeConninfo(strOrNull(s['conninfo']));
  return {
    oid: numOrNull(s['oid']) ?? 0,
    name: str(s['name'], 'subscription name'),
    enabled: bool(s['enabled']),
    publications: arr(s['publications'], 'subscription publications').map((p) => str(p, 'publication')),
    slotName: strOrNull(s['slot_name']),
    conninfo,
    publisherHost: target?.host ?? null,
    publisherPort: target?.port ?? null,
    publisherDbname: target?.dbname ?? null,
    conninfoHasPassword: hasPassword,
    workerPid: numOrNull(s['pid']),
    receivedLsn: strOrNull(s['received_lsn']),
    latestEndLsn: strOrNull(s['latest_end_lsn']),
    lastMsgReceiptTime: strOrNull(s['last_msg_receipt_time']),
    latestEndTime: strOrNull(s['latest_end_time']),
    applyErrorCount: numOrNull(s['apply_error_count']),
    syncErrorCount: numOrNull(s['sync_error_count']),
    options: parseOptions(s['options']),
    tables: arr(s['tables'], 'subscription tables').map((t, i) => parseTable(obj(t, `tables[${i}]`))),
    syncWorkers: arr(s['sync_workers'], 'sync workers').map((w, i) => {
      const o = obj(w, `sync_workers[${i}]`);
      return { pid: numOrNull(o['pid']), table: str(o['table'], 'sync worker table') };
    }),
  };
}

function parseSlot(s: Json): SlotInfo {
  return {
    name: str(s['name'], 'slot name'),
    plugin: strOrNull(s['plugin']),
    slotType: s['slot_type'] === 'physical' ? 'physical' : 'logical',
    database: strOrNull(s['database']),
    active: bool(s['active']),
    activePid: numOrNull(s['active_pid']),
    walStatus: strOrNull(s['wal_status']),
    restartLsn: strOrNull(s['restart_lsn']),
    confirmedFlushLsn: strOrNull(s['confirmed_flush_lsn']),
    retainedBytes: numOrNull(s['retained_bytes']),
    lagBytes: numOrNull(s['lag_bytes']),
    writeLagSeconds: numOrNull(s['write_lag']),
    flushLagSeconds: numOrNull(s['flush_lag']),
    replayLagSeconds: numOrNull(s['replay_lag']),
    walsenderState: strOrNull(s['walsender_state']),
    // PG13+ `safe_wal_size`; absent from results of older statement texts (kept out of the object then).
    ...(s['safe_wal_size'] !== undefined ? { safeWalSizeBytes: numOrNull(s['safe_wal_size']) } : {}),
  };
}

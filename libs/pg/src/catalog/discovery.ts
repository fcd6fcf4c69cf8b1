import { type PublicationInfo, type SlotInfo, type SubscriptionInfo } from '@prm/contracts';

import { type ConninfoTarget, conninfoHasPassword, conninfoTarget, stripPassword } from '../conninfo.js';
import { ConninfoParseError } from '../errors.js';
import { discoveryStatement } from './discovery.sql.js';

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
  /** Logical and physical slots of the cluster, by name. */
  slots: SlotInfo[];
}

/** The minimal client surface discovery needs (a `pg.Client` or a wrapper around one). */
export interface DiscoveryClient {
  query(text: string): Promise<{ rows: unknown[] }>;
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
  const res = await client.query(sql);
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
  };
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
  };
}

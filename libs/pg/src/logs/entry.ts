/**
 * One PostgreSQL server log entry, whatever the log format (jsonlog, csvlog, stderr). Field names follow the
 * jsonlog keys (PostgreSQL docs 20.8.5 "Using JSON-Format Log Output"); csvlog columns are the same facts.
 */
export interface ServerLogEntry {
  /** Server time of the entry, ISO 8601 in UTC (`log_time` / `timestamp`, millisecond resolution). */
  at: string;
  /** `error_severity`: DEBUG1..5, LOG, INFO, NOTICE, WARNING, ERROR, FATAL, PANIC. */
  severity: string;
  /** `state_code` (SQLSTATE); null where the format does not carry it (stderr without `log_error_verbosity=verbose`). */
  sqlstate: string | null;
  message: string;
  detail: string | null;
  hint: string | null;
  context: string | null;
  /** `backend_type` (PG13+ csvlog, jsonlog): `logical replication worker` (≤16), `logical replication apply worker` … (17+), `walsender`, `postmaster`. Null for stderr. */
  backendType: string | null;
  /** Process id of the backend that logged the entry. */
  pid: number | null;
  user: string | null;
  database: string | null;
  applicationName: string | null;
}

/** Severities at or above ERROR. */
export const ERROR_SEVERITIES = new Set(['ERROR', 'FATAL', 'PANIC']);

/** Log formats prm reads. `stderr` means the RDS prefix `%t:%r:%u@%d:[%p]:`. */
export type ServerLogFormat = 'jsonlog' | 'csvlog' | 'stderr';

const TZ_OFFSETS_MIN: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  UCT: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
  IST: 330,
  JST: 540,
};

/**
 * Parses a PostgreSQL log timestamp (`%m` / `%t`: `2026-11-29 15:25:17.590 UTC`, `2026-11-29 15:25:17 UTC`, or a
 * numeric zone such as `+02`, `-0530`, `+05:30`) into ISO 8601 UTC. A zone abbreviation prm does not know is read
 * as UTC (RDS and the test harness log in UTC; set `log_timezone = 'UTC'` elsewhere).
 * @returns the ISO string, or null when `text` is not a timestamp.
 */
export function parseLogTimestamp(text: string): string | null {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d{1,6})?\s*([A-Za-z]{1,6}|[+-]\d\d(?::?\d\d)?)?$/.exec(
    text.trim(),
  );
  if (!m) return null;
  const [, date, time, frac = '', zone = 'UTC'] = m;
  let offsetMin = 0;
  if (/^[+-]/.test(zone)) {
    const z = /^([+-])(\d\d):?(\d\d)?$/.exec(zone);
    if (!z) return null;
    offsetMin = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  } else {
    offsetMin = TZ_OFFSETS_MIN[zone.toUpperCase()] ?? 0;
  }
  const ms = Date.parse(`${date}T${time}${(frac || '.').padEnd(4, '0').slice(0, 4)}Z`);
  if (Number.isNaN(ms)) return null;
  return new Date(ms - offsetMin * 60_000).toISOString();
}

/** Empty strings and undefined as null. */
export function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** What one {@link LogReader.read} returns. */
export interface LogReadResult<C> {
  /** Complete entries read since `cursor`, in log order. */
  entries: ServerLogEntry[];
  /** Where the next read starts (store it; JSON-serializable). */
  cursor: C;
  /** Bytes read from the source in this call. */
  bytesRead: number;
  /** True when more data was already available than this call read (call again soon). */
  more: boolean;
}

/**
 * Reads a server log incrementally. `cursor` is what the previous call returned (null the first time); a reader
 * never returns an entry twice for a cursor it returned, and bounds the bytes it reads per call.
 */
export interface LogReader<C = unknown> {
  read(cursor: C | null): Promise<LogReadResult<C>>;
}

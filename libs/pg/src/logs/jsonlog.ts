import { nonEmpty, parseLogTimestamp, type ServerLogEntry } from './entry.js';

/**
 * Parses one line of a jsonlog file (PG15+, `log_destination = 'jsonlog'`; keys per PostgreSQL docs 20.8.5:
 * `timestamp`, `error_severity`, `state_code`, `message`, `detail`, `hint`, `context`, `backend_type`, `pid`,
 * `user`, `dbname`, `application_name`).
 * @returns the entry, or null for a blank, partial or non-JSON line (never throws).
 */
export function parseJsonlogLine(line: string): ServerLogEntry | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  const at = typeof raw.timestamp === 'string' ? parseLogTimestamp(raw.timestamp) : null;
  const severity = nonEmpty(raw.error_severity);
  if (!at || !severity || typeof raw.message !== 'string') return null;
  return {
    at,
    severity,
    sqlstate: nonEmpty(raw.state_code),
    message: raw.message,
    detail: nonEmpty(raw.detail),
    hint: nonEmpty(raw.hint),
    context: nonEmpty(raw.context),
    backendType: nonEmpty(raw.backend_type),
    pid: typeof raw.pid === 'number' ? raw.pid : null,
    user: nonEmpty(raw.user),
    database: nonEmpty(raw.dbname),
    applicationName: nonEmpty(raw.application_name),
  };
}

/**
 * Parses the complete lines of a jsonlog chunk. A last line without its newline is left unconsumed.
 * @returns the entries and `consumed`, the number of characters up to and including the last newline.
 */
export function parseJsonlogText(text: string): { entries: ServerLogEntry[]; consumed: number } {
  const end = text.lastIndexOf('\n') + 1;
  const entries: ServerLogEntry[] = [];
  for (const line of text.slice(0, end).split('\n')) {
    const entry = parseJsonlogLine(line);
    if (entry) entries.push(entry);
  }
  return { entries, consumed: end };
}

import { parseLogTimestamp, type ServerLogEntry } from './entry.js';

/**
 * The fixed RDS for PostgreSQL `log_line_prefix` `%t:%r:%u@%d:[%p]:` (RDS User Guide, "PostgreSQL database log
 * files"): `2026-11-29 15:25:17 UTC:10.0.1.7(40312):app@orders:[9603]:ERROR:  message`. Background workers leave
 * `%r`, `%u` and `%d` empty (`UTC::@:[9603]:`). `%r` is `host(port)`, `[local]` or empty (IPv6 hosts contain `:`).
 */
const PREFIX =
  /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [A-Za-z]{1,6}|[+-]\d\d(?::?\d\d)?)?):(|\[local\]|[^()]*?\(\d+\)|[^:@]*):([^@]*)@([^:]*):\[(\d+)\]:([A-Z]+[0-9]?):\s{1,2}(.*)$/;

const PRIMARY = new Set([
  'DEBUG1',
  'DEBUG2',
  'DEBUG3',
  'DEBUG4',
  'DEBUG5',
  'LOG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'FATAL',
  'PANIC',
]);
type Field = 'message' | 'detail' | 'hint' | 'context' | 'statement' | 'location';
const SECONDARY: Record<string, Field> = {
  DETAIL: 'detail',
  HINT: 'hint',
  CONTEXT: 'context',
  STATEMENT: 'statement',
  QUERY: 'statement',
  LOCATION: 'location',
};

interface Building {
  entry: ServerLogEntry;
  field: Field;
  start: number;
}

/**
 * Parses RDS stderr log text (prefix `%t:%r:%u@%d:[%p]:`). A primary line (LOG, ERROR, ...) starts an entry;
 * `DETAIL:`/`HINT:`/`CONTEXT:` lines of the same pid fill its fields; lines without the prefix (a message's own
 * newlines, tab-indented) continue the last field. With `log_error_verbosity = verbose` the SQLSTATE leads the
 * message (`ERROR:  23505: duplicate key ...`); otherwise stderr carries none and `sqlstate` is null.
 * @param holdLast when the text may continue (more data pending), the last entry and its lines are not returned and
 *   not consumed, so that a DETAIL in the next portion still reaches it.
 * @returns entries in order and `consumed`, the characters fully used (a partial last line is never consumed).
 */
export function parseStderrText(text: string, holdLast = false): { entries: ServerLogEntry[]; consumed: number } {
  const complete = text.lastIndexOf('\n') + 1;
  const built: Building[] = [];
  const lastByPid = new Map<number, Building>();
  let current: Building | null = null;
  let pos = 0;
  while (pos < complete) {
    const nl = text.indexOf('\n', pos);
    const line = text.slice(pos, nl).replace(/\r$/, '');
    const lineStart = pos;
    pos = nl + 1;
    const m = PREFIX.exec(line);
    if (!m) {
      if (current && line !== '') appendTo(current, line.replace(/^\t/, ''));
      continue;
    }
    const [, ts, , user, db, pidText, keyword, rest] = m;
    const pid = Number(pidText);
    if (PRIMARY.has(keyword)) {
      const at = parseLogTimestamp(ts);
      if (!at) continue;
      const verbose = /^([0-9A-Z]{5}): (.*)$/.exec(rest);
      const b: Building = {
        entry: {
          at,
          severity: keyword,
          sqlstate: verbose ? verbose[1] : null,
          message: verbose ? verbose[2] : rest,
          detail: null,
          hint: null,
          context: null,
          backendType: null,
          pid,
          user: user || null,
          database: db || null,
          applicationName: null,
        },
        field: 'message',
        start: lineStart,
      };
      built.push(b);
      lastByPid.set(pid, b);
      current = b;
    } else if (keyword in SECONDARY) {
      const target = lastByPid.get(pid);
      if (!target) {
        current = null;
        continue;
      }
      target.field = SECONDARY[keyword];
      setField(target, rest);
      current = target;
    }
  }
  let consumed = complete;
  if (holdLast && built.length > 0) {
    consumed = built[built.length - 1].start;
    built.pop();
  }
  return { entries: built.map((b) => b.entry), consumed };
}

function setField(b: Building, value: string): void {
  if (b.field === 'statement' || b.field === 'location') return;
  if (b.field === 'message') b.entry.message = value;
  else b.entry[b.field] = b.entry[b.field] ? `${b.entry[b.field]}\n${value}` : value;
}

function appendTo(b: Building, value: string): void {
  if (b.field === 'statement' || b.field === 'location') return;
  if (b.field === 'message') b.entry.message += `\n${value}`;
  else b.entry[b.field] = `${b.entry[b.field] ?? ''}\n${value}`;
}

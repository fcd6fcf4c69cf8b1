import { nonEmpty, parseLogTimestamp, type ServerLogEntry } from './entry.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits csvlog bytes into records (RFC 4180: fields in double quotes may hold commas, newlines and `""` for a
 * quote; PostgreSQL quotes every text field it writes that way). Works on bytes so that `consumed` is a byte
 * offset a file reader can resume at; quotes, commas and newlines are ASCII, so UTF-8 text is never split.
 * @returns complete records (fields decoded as UTF-8) and `consumed`, the bytes up to and including the newline of
 *   the last complete record. A record still open at the end (partial line, unclosed quote) is left unconsumed.
 */
export function splitCsvRecords(data: Buffer): { records: string[][]; consumed: number } {
  const records: string[][] = [];
  let consumed = 0;
  let fields: string[] = [];
  let fieldStart = 0;
  let inQuotes = false;
  let quoted = false;
  const fieldText = (end: number): string => {
    if (!quoted) return data.toString('utf8', fieldStart, end);
    // strip the surrounding quotes; the closing one sits before `end` (possibly before a CR)
    let close = end - 1;
    while (close > fieldStart && data[close] !== QUOTE) close--;
    return data.toString('utf8', fieldStart + 1, close).replace(/""/g, '"');
  };
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (inQuotes) {
      if (b === QUOTE) {
        if (data[i + 1] === QUOTE) i++;
        else if (i + 1 < data.length) inQuotes = false;
        else return { records, consumed }; // cannot tell `"` + `"` across the chunk end
      }
      continue;
    }
    if (b === QUOTE && i === fieldStart) {
      inQuotes = true;
      quoted = true;
    } else if (b === COMMA) {
      fields.push(fieldText(i));
      fieldStart = i + 1;
      quoted = false;
    } else if (b === LF) {
      fields.push(fieldText(i > fieldStart && data[i - 1] === CR ? i - 1 : i));
      if (!(fields.length === 1 && fields[0] === '')) records.push(fields);
      fields = [];
      fieldStart = i + 1;
      quoted = false;
      consumed = i + 1;
    }
  }
  return { records, consumed };
}

/**
 * Maps one csvlog record to an entry. Columns (PostgreSQL docs 20.8.4, "Using CSV-Format Log Output"; PG13 added
 * `backend_type`, PG14 `leader_pid` and `query_id`): 0 log_time, 3 process_id, 1 user_name, 2 database_name,
 * 11 error_severity, 12 sql_state_code, 13 message, 14 detail, 15 hint, 18 context, 22 application_name,
 * 23 backend_type.
 * @returns null when the record has too few columns or no valid timestamp.
 */
export function csvRecordToEntry(fields: string[]): ServerLogEntry | null {
  if (fields.length < 23) return null;
  const at = parseLogTimestamp(fields[0]);
  const severity = nonEmpty(fields[11]);
  if (!at || !severity) return null;
  const pid = Number(fields[3]);
  return {
    at,
    severity,
    sqlstate: nonEmpty(fields[12]),
    message: fields[13],
    detail: nonEmpty(fields[14]),
    hint: nonEmpty(fields[15]),
    context: nonEmpty(fields[18]),
    backendType: nonEmpty(fields[23]),
    pid: Number.isInteger(pid) && fields[3] !== '' ? pid : null,
    user: nonEmpty(fields[1]),
    database: nonEmpty(fields[2]),
    applicationName: nonEmpty(fields[22]),
  };
}

/** Parses the complete records of a csvlog chunk; see {@link splitCsvRecords}. `consumed` is in bytes. */
export function parseCsvlog(data: Buffer | string): { entries: ServerLogEntry[]; consumed: number } {
  const { records, consumed } = splitCsvRecords(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  const entries: ServerLogEntry[] = [];
  for (const r of records) {
    const e = csvRecordToEntry(r);
    if (e) entries.push(e);
  }
  return { entries, consumed };
}

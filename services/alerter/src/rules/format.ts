import { quoteIdent, quoteLiteral, quoteQualified } from '@prm/pg';

/** `1536` → `1.5 KiB`; null → `unknown`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const n = i === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return `${bytes < 0 ? '-' : ''}${n} ${units[i]} (${bytes} bytes)`;
}

/** `3725` → `1h 2m 5s`; null → `unknown`. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'unknown';
  let s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`, (s || (!d && !h && !m)) && `${s}s`].filter(Boolean);
  return parts.join(' ');
}

/** Quotes an identifier for a remediation command; a name PostgreSQL would refuse is shown as a placeholder. */
export function ident(name: string): string {
  try {
    return quoteIdent(name);
  } catch {
    return '<name>';
  }
}

/** Quotes `schema.table` (already-quoted parts accepted) for a command; a placeholder when unparsable. */
export function qualified(name: string): string {
  try {
    return quoteQualified(name);
  } catch {
    return '<table>';
  }
}

/** Quotes a literal for a command. */
export function literal(value: string): string {
  try {
    return quoteLiteral(value);
  } catch {
    return "'<value>'";
  }
}

/**
 * Parses a key from a `DETAIL: Key (a, b)=(1, x) already exists.` line (stored as `(a, b)=(1, x)`) into columns and
 * values. Values containing `, ` are ambiguous: null then.
 */
export function parseKey(key: string | null | undefined): { columns: string[]; values: string[] } | null {
  if (!key) return null;
  const m = /^\((.+)\)=\((.*)\)$/s.exec(key.trim());
  if (!m) return null;
  const columns = m[1]!.split(', ').map((c) => c.replace(/^"(.*)"$/, '$1').replace(/""/g, '"'));
  const values = m[2]!.split(', ');
  return columns.length === values.length ? { columns, values } : null;
}

/** Removes anything that looks like a credential from free text (passwords in conninfo or URLs, tokens). */
export function redact(text: string): string {
  return text
    .replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1[redacted]')
    .replace(/(\w+:\/\/[^:/\s@]+:)[^@\s]+@/g, '$1[redacted]@')
    .replace(/(X-Amz-Security-Token=|X-Amz-Signature=|Signature=)[^&\s]+/gi, '$1[redacted]');
}

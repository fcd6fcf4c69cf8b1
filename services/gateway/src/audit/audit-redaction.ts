import { createHash } from 'node:crypto';

/** Keys whose values never reach the audit log (any depth, case-insensitive). */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|conninfo|private.?key|api.?key/i;
/** Longest string kept verbatim, characters. */
const MAX_STRING = 2000;
const MAX_DEPTH = 6;

/**
 * A copy of a request body fit for the audit log: secret-looking keys replaced by `[redacted]`, SQL scripts
 * replaced by their SHA-256 and size (a script may carry `ALTER ROLE ... PASSWORD`), long strings cut, depth
 * bounded. Credential *references* (ARNs, variable names) are kept: they are not secrets.
 */
export function redactForAudit(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[…]';
  if (typeof value === 'string') {
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…(${value.length} chars)` : value;
  }
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactForAudit(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return sqlDigest(value.toString('utf8'));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'passwordEnv')
      out[k] = v; // the *name* of a variable, not its value
    else if (SECRET_KEY.test(k)) out[k] = '[redacted]';
    else if (k === 'sql' && typeof v === 'string') out[k] = sqlDigest(v);
    else out[k] = redactForAudit(v, depth + 1);
  }
  return out;
}

function sqlDigest(sql: string): { sha256: string; bytes: number } {
  return { sha256: createHash('sha256').update(sql).digest('hex'), bytes: Buffer.byteLength(sql) };
}

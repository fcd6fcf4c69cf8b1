/**
 * libpq connection strings: the `key=value` form and `postgresql://` URIs (PostgreSQL docs, libpq
 * "Connection Strings"; grammar follows `conninfo_parse` / `conninfo_uri_parse_options` in fe-connect.c).
 * Used to read back `pg_subscription.subconninfo` and to keep passwords out of everything prm shows or stores.
 */
import { ConninfoParseError } from './errors.js';

/** Keys whose values are secrets; `passfile` is a path, not a secret, and is kept. */
export const SECRET_CONNINFO_KEYS: ReadonlySet<string> = new Set(['password', 'sslpassword']);

const URI_PREFIX = /^postgres(?:ql)?:\/\//;
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

interface KvToken {
  key: string;
  value: string;
  /** Offsets of the whole `key = value` item in the input. */
  start: number;
  end: number;
}

function tokenizeKeywordValue(s: string): KvToken[] {
  const tokens: KvToken[] = [];
  let i = 0;
  for (;;) {
    while (isSpace(s[i])) i++;
    if (i >= s.length) return tokens;
    const start = i;
    while (i < s.length && s[i] !== '=' && !isSpace(s[i])) i++;
    const key = s.slice(start, i);
    while (isSpace(s[i])) i++;
    if (s[i] !== '=') throw new ConninfoParseError(`missing "=" after a keyword at offset ${start}`);
    if (!KEY.test(key)) throw new ConninfoParseError(`invalid keyword at offset ${start}`);
    i++;
    while (isSpace(s[i])) i++;
    let value = '';
    if (s[i] === "'") {
      i++;
      for (;;) {
        if (i >= s.length) throw new ConninfoParseError(`unterminated quoted string for keyword "${key}"`);
        if (s[i] === '\\') {
          i++;
          if (i < s.length) value += s[i++];
          continue;
        }
        if (s[i] === "'") {
          i++;
          break;
        }
        value += s[i++];
      }
    } else {
      while (i < s.length && !isSpace(s[i])) {
        if (s[i] === '\\') {
          i++;
          if (i < s.length) value += s[i++];
        } else {
          value += s[i++];
        }
      }
    }
    tokens.push({ key, value, start, end: i });
  }
}

function percentDecode(raw: string, what: string): string {
  if (!/%/.test(raw)) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length;) {
    if (raw[i] === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new ConninfoParseError(`invalid percent-encoded token in the ${what}`);
      const b = parseInt(hex, 16);
      if (b === 0) throw new ConninfoParseError(`forbidden value %00 in the ${what}`);
      bytes.push(b);
      i += 3;
    } else {
      const cp = raw.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      bytes.push(...Buffer.from(ch, 'utf8'));
      i += ch.length;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

interface UriParts {
  /** Offsets: userinfo is s[userStart, atIndex); atIndex = -1 when there is none. */
  userStart: number;
  atIndex: number;
  user: string;
  password: string | null;
  /** Offset of `?`, or s.length. */
  queryStart: number;
  params: Array<{ raw: string; key: string; value: string }>;
  record: Record<string, string>;
}

function parseUri(s: string): UriParts {
  const prefix = URI_PREFIX.exec(s);
  if (!prefix) throw new ConninfoParseError('not a postgresql:// URI');
  const userStart = prefix[0].length;
  const record: Record<string, string> = {};
  // Deviation from libpq: the look-ahead for `@` also stops at `?`, so an unencoded `@` in a query value
  // (`?password=a@b`) is never taken for userinfo (libpq would; the password would then pass for a user name).
  let p = userStart;
  while (p < s.length && s[p] !== '@' && s[p] !== '/' && s[p] !== '?') p++;
  let atIndex = -1;
  let user = '';
  let password: string | null = null;
  if (s[p] === '@') {
    atIndex = p;
    const info = s.slice(userStart, atIndex);
    const colon = info.indexOf(':');
    user = percentDecode(colon < 0 ? info : info.slice(0, colon), 'user name');
    if (colon >= 0) password = percentDecode(info.slice(colon + 1), 'password');
    if (user !== '') record.user = user;
    if (password !== null) record.password = password;
    p = atIndex + 1;
  } else {
    p = userStart;
  }
  const hosts: string[] = [];
  const ports: string[] = [];
  for (;;) {
    let host: string;
    if (s[p] === '[') {
      const close = s.indexOf(']', p);
      if (close < 0) throw new ConninfoParseError('missing "]" in an IPv6 host address');
      host = s.slice(p + 1, close);
      if (host === '') throw new ConninfoParseError('empty IPv6 host address');
      p = close + 1;
    } else {
      const h0 = p;
      while (p < s.length && !':/?,'.includes(s[p])) p++;
      host = percentDecode(s.slice(h0, p), 'host');
    }
    let port = '';
    if (s[p] === ':') {
      const p0 = ++p;
      while (p < s.length && !'/?,'.includes(s[p])) p++;
      port = percentDecode(s.slice(p0, p), 'port');
    } else if (p < s.length && !'/?,'.includes(s[p])) {
      throw new ConninfoParseError(`unexpected character at offset ${p}`);
    }
    hosts.push(host);
    ports.push(port);
    if (s[p] !== ',') break;
    p++;
  }
  if (hosts.some((h) => h !== '')) record.host = hosts.join(',');
  if (ports.some((x) => x !== '')) record.port = ports.join(',');
  if (s[p] === '/') {
    const d0 = ++p;
    while (p < s.length && s[p] !== '?') p++;
    const dbname = percentDecode(s.slice(d0, p), 'database name');
    if (dbname !== '') record.dbname = dbname;
  }
  const queryStart = p;
  const params: UriParts['params'] = [];
  if (s[p] === '?') {
    for (const raw of s.slice(p + 1).split('&')) {
      if (raw === '') continue;
      const eq = raw.indexOf('=');
      if (eq < 0) throw new ConninfoParseError('missing key/value separator "=" in a URI query parameter');
      if (raw.indexOf('=', eq + 1) >= 0) {
        throw new ConninfoParseError('extra key/value separator "=" in a URI query parameter');
      }
      let key = percentDecode(raw.slice(0, eq), 'query parameter name');
      let value = percentDecode(raw.slice(eq + 1), 'query parameter value');
      if (!KEY.test(key)) throw new ConninfoParseError('invalid URI query parameter name');
      if (key === 'ssl' && value === 'true') [key, value] = ['sslmode', 'require']; // as libpq (JDBC compatibility)
      record[key] = value;
      params.push({ raw, key, value });
    }
  } else if (p < s.length) {
    throw new ConninfoParseError(`unexpected character at offset ${p}`);
  }
  return { userStart, atIndex, user, password, queryStart, params, record };
}

/** True when the string is a `postgresql://` or `postgres://` URI rather than `key=value` pairs. */
export function isConninfoUri(s: string): boolean {
  return URI_PREFIX.test(s);
}

/**
 * Parses a libpq connection string (either form) into its keywords. URI parts map to `user`, `password`,
 * `host` and `port` (comma-separated lists for several hosts, as libpq builds them), `dbname`; query parameters
 * are added as they are (`ssl=true` becomes `sslmode=require`). Later duplicates win, as in libpq. Keywords are
 * checked for shape only, not against libpq's list (newer libpq versions add keywords).
 * @throws ConninfoParseError on input libpq would reject (missing `=`, unterminated quote, bad percent-encoding).
 */
export function parseConninfo(s: string): Record<string, string> {
  if (isConninfoUri(s)) return parseUri(s).record;
  const out: Record<string, string> = {};
  for (const t of tokenizeKeywordValue(s)) out[t.key] = t.value;
  return out;
}

/** Quotes one value for the `key=value` form: bare when safe, else single-quoted with `\` and `'` escaped. */
export function quoteConninfoValue(value: string): string {
  if (value !== '' && /^[^\s'\\]+$/.test(value)) return value;
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** Builds a `key=value` connection string; values are quoted with {@link quoteConninfoValue}. */
export function formatConninfo(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => {
      if (!KEY.test(k)) throw new ConninfoParseError(`invalid keyword "${k}"`);
      return `${k}=${quoteConninfoValue(v)}`;
    })
    .join(' ');
}

/**
 * libpq expands a `dbname` that looks like a connection string (URI prefix or an `=`, `recognized_connection_string`
 * in fe-connect.c) in some entry points; such a value can hide a password. A value that does not parse is taken
 * as a plain database name.
 */
/** A `dbname` value that libpq would expand as a connection string. */
function isNestedConninfo(value: string): boolean {
  if (!isConninfoUri(value) && !value.includes('=')) return false;
  try {
    parseConninfo(value);
    return true;
  } catch {
    return false;
  }
}

/** A nested connection string (see {@link isNestedConninfo}) that carries a secret of its own. */
function isNestedConninfoWithSecret(value: string): boolean {
  if (!isNestedConninfo(value)) return false;
  try {
    const nested = parseConninfo(value);
    return Object.keys(nested).some((k) => SECRET_CONNINFO_KEYS.has(k)) || /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(value);
  } catch {
    return false;
  }
}

/**
 * Removes every password from a connection string: `password` and `sslpassword` keywords, the password in URI
 * userinfo (`user:secret@`), `?password=` / `?sslpassword=` query parameters, and the same inside a `dbname` that is
 * itself a connection string. Everything else is kept as written (`passfile`, a path, stays).
 * @throws ConninfoParseError when the string cannot be parsed (the caller must then not show it at all).
 */
export function stripPassword(s: string): string {
  if (isConninfoUri(s)) {
    const u = parseUri(s);
    let out = s.slice(0, u.userStart);
    if (u.atIndex >= 0) {
      const info = s.slice(u.userStart, u.atIndex);
      const colon = info.indexOf(':');
      const userRaw = colon < 0 ? info : info.slice(0, colon);
      if (userRaw !== '') out += `${userRaw}@`;
      out += s.slice(u.atIndex + 1, u.queryStart);
    } else {
      out += s.slice(u.userStart, u.queryStart);
    }
    const kept = u.params
      .filter((x) => !SECRET_CONNINFO_KEYS.has(x.key))
      .map((x) =>
        x.key === 'dbname' && isNestedConninfoWithSecret(x.value)
          ? `dbname=${encodeURIComponent(stripPassword(x.value))}`
          : x.raw,
      );
    return kept.length > 0 ? `${out}?${kept.join('&')}` : out;
  }
  const tokens = tokenizeKeywordValue(s);
  let out = '';
  let last = 0;
  for (const t of tokens) {
    if (SECRET_CONNINFO_KEYS.has(t.key)) {
      out += s.slice(last, t.start);
      last = t.end;
      // drop the separator too, so no trace (not even a run of blanks) of the removed pair is left
      while (last < s.length && /\s/.test(s[last])) last++;
    } else if (t.key === 'dbname' && isNestedConninfoWithSecret(t.value)) {
      out += `${s.slice(last, t.start)}dbname=${quoteConninfoValue(stripPassword(t.value))}`;
      last = t.end;
    }
  }
  out += s.slice(last);
  return out.trim();
}

/**
 * Whether the connection string carries a non-empty password in any form (see {@link stripPassword}).
 * @throws ConninfoParseError when it cannot be parsed.
 */
export function conninfoHasPassword(s: string): boolean {
  const rec = parseConninfo(s);
  for (const k of SECRET_CONNINFO_KEYS) if (rec[k]) return true;
  return rec.dbname !== undefined && isNestedConninfo(rec.dbname) && conninfoHasPassword(rec.dbname);
}

/** Where a connection string points, with libpq's defaults applied. */
export interface ConninfoTarget {
  /** First entry of `host` (a Unix socket directory when it starts with `/`), else first of `hostaddr`. */
  host: string | null;
  /** First entry of `port`; 5432 when absent. */
  port: number | null;
  /** `dbname`, defaulting to the user name as libpq does. */
  dbname: string | null;
  user: string | null;
}

/**
 * Reads host, port, database and user from a connection string (e.g. `subconninfo`) to find the publisher.
 * libpq's defaults that prm can know are applied: port 5432, dbname = user. The OS-user default for `user` is not.
 * @throws ConninfoParseError when the string cannot be parsed or the port is not a number.
 */
export function conninfoTarget(s: string): ConninfoTarget {
  const rec = parseConninfo(s);
  const first = (v: string | undefined): string | null => {
    const f = v?.split(',')[0]?.trim();
    return f ? f : null;
  };
  const host = first(rec.host) ?? first(rec.hostaddr);
  const portText = first(rec.port);
  let port: number | null = 5432;
  if (portText !== null) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new ConninfoParseError('invalid port');
    port = Number(portText);
  }
  const user = rec.user ? rec.user : null;
  const dbname = rec.dbname && !isNestedConninfo(rec.dbname) ? rec.dbname : user;
  return { host, port, dbname, user };
}

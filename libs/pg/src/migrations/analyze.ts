import { createHash } from 'node:crypto';
import { type ScriptStatement, splitSqlScript } from './split.js';

/**
 * What a statement does to replication: `additive` adds something subscribers need before publishers send rows
 * that use it (new table, schema, type, sequence, nullable column or column with a default); `destructive` removes
 * or narrows something a stream may still carry (DROP, RENAME, ALTER COLUMN TYPE, SET NOT NULL, a NOT NULL
 * column without default, a new constraint, TRUNCATE); `other` has no effect on apply (indexes, grants, comments,
 * functions, data changes, ...).
 */
export type StatementClass = 'additive' | 'destructive' | 'other';

/** A column or table a statement adds or removes, as written (unquoted identifiers folded to lower case). */
export interface StatementTarget {
  /** `schema.table` when qualified, else `table`. */
  table: string;
  /** Set for column-level changes. */
  column?: string;
}

/** One analysed statement of a migration script. */
export interface AnalyzedStatement extends ScriptStatement {
  classification: StatementClass;
  /** Why it got its class, e.g. `DROP COLUMN`. */
  reason: string;
  /**
   * The statement cannot run inside a transaction block (PostgreSQL docs of each command: "cannot be executed
   * inside a transaction block"); a script containing one runs statement by statement outside a transaction.
   */
  nonTransactional: boolean;
  /** Tables/columns touched by additive or destructive changes (for replication-order warnings). */
  targets: StatementTarget[];
  /** Transaction control (`BEGIN`, `COMMIT`, `SAVEPOINT`, ...): prm manages transactions itself. */
  transactionControl: boolean;
}

/** A whole script, analysed. */
export interface ScriptAnalysis {
  /** Lower-case hex SHA-256 of the script's UTF-8 bytes, exactly as submitted. */
  checksum: string;
  statements: AnalyzedStatement[];
  /** True when at least one statement is {@link AnalyzedStatement.nonTransactional}. */
  nonTransactional: boolean;
}

/** SHA-256 of `sql`'s UTF-8 bytes, lower-case hex (64 characters). */
export function scriptChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** Tokens of a statement: words lower-cased, quoted identifiers unquoted (`"A""b"` → `A"b`), strings as `'`. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === '"') {
      let k = i + 1;
      let v = '';
      while (k < n) {
        if (text[k] === '"' && text[k + 1] === '"') {
          v += '"';
          k += 2;
        } else if (text[k] === '"') break;
        else v += text[k++];
      }
      tokens.push(`"${v}`); // marker: quoted identifier, case kept
      i = k + 1;
    } else if (c === "'" || ((c === 'E' || c === 'e') && text[i + 1] === "'")) {
      const escapes = c !== "'";
      let k = escapes ? i + 2 : i + 1;
      while (k < n) {
        if (escapes && text[k] === '\\') k += 2;
        else if (text[k] === "'" && text[k + 1] === "'") k += 2;
        else if (text[k] === "'") break;
        else k++;
      }
      tokens.push("'");
      i = k + 1;
    } else if (c === '$' && /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.test(text.slice(i, i + 64))) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64))![0];
      const close = text.indexOf(tag, i + tag.length);
      tokens.push('$$');
      i = close < 0 ? n : close + tag.length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let k = i + 1;
      while (k < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(text[k])) k++;
      tokens.push(text.slice(i, k).toLowerCase());
      i = k;
    } else {
      tokens.push(c);
      i++;
    }
  }
  return tokens;
}

/** `"Name` (quoted marker) → `Name`; a plain word stays as is (already lower case). */
function ident(token: string | undefined): string {
  if (token === undefined) return '';
  return token.startsWith('"') ? token.slice(1) : token;
}

/** Reads a possibly qualified name at `i`: returns the name and the index after it. */
function qualifiedName(tokens: string[], i: number): { name: string; next: number } {
  let name = ident(tokens[i]);
  let k = i + 1;
  while (tokens[k] === '.' && tokens[k + 1] !== undefined) {
    name += `.${ident(tokens[k + 1])}`;
    k += 2;
  }
  return { name, next: k };
}

function skipIfExists(tokens: string[], i: number): number {
  if (tokens[i] === 'if' && tokens[i + 1] === 'not' && tokens[i + 2] === 'exists') return i + 3;
  if (tokens[i] === 'if' && tokens[i + 1] === 'exists') return i + 2;
  return i;
}

/** Splits `tokens` at top-level commas (outside parentheses). */
function splitTopLevel(tokens: string[]): string[][] {
  const parts: string[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t === '(') depth++;
    if (t === ')') depth--;
    if (t === ',' && depth === 0) parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts.filter((p) => p.length > 0);
}

const TX_CONTROL = new Set(['begin', 'commit', 'rollback', 'savepoint', 'release', 'end', 'abort']);

function nonTransactionalOf(t: string[], serverVersionNum: number): boolean {
  const [a, b, c] = t;
  if (a === 'vacuum') return true;
  if (a === 'create' && (b === 'database' || b === 'tablespace')) return true;
  if (a === 'drop' && (b === 'database' || b === 'tablespace')) return true;
  if (a === 'alter' && b === 'system') return true;
  if (a === 'alter' && b === 'database' && t.includes('tablespace') && t.includes('set')) return true;
  if (a === 'create' && b === 'subscription') return true; // create_slot = true is the default
  if (a === 'drop' && b === 'subscription') return true; // drops the remote slot
  if (a === 'create' && (b === 'index' || (b === 'unique' && c === 'index')) && t.includes('concurrently')) {
    return true;
  }
  if (a === 'drop' && b === 'index' && c === 'concurrently') return true;
  if (a === 'reindex') {
    if (t.includes('concurrently')) return true;
    // the first object keyword after the optional (VERBOSE) options: SCHEMA, DATABASE, SYSTEM reindex many tables
    const kind = t.find((x) => ['index', 'table', 'schema', 'database', 'system'].includes(x));
    if (kind === 'schema' || kind === 'database' || kind === 'system') return true;
  }
  // ALTER SUBSCRIPTION ... REFRESH PUBLICATION, and SET/ADD/DROP PUBLICATION with refresh (the default), "cannot be
  // executed inside a transaction block" (PostgreSQL docs, ALTER SUBSCRIPTION)
  if (a === 'alter' && b === 'subscription' && t.includes('publication')) {
    if (t.includes('refresh') && t[t.indexOf('refresh') + 1] === 'publication') return true;
    const changes = t.includes('set') || t.includes('add') || t.includes('drop');
    const noRefresh = t.some(
      (x, i) => x === 'refresh' && t[i + 1] === '=' && ['false', 'off', '0'].includes(t[i + 2] ?? ''),
    );
    if (changes && !noRefresh) return true;
  }
  if (a === 'cluster' && (t.length === 1 || (t.length <= 2 && t[1] === 'verbose'))) return true;
  // Before PostgreSQL 12, ALTER TYPE ... ADD VALUE "cannot be executed inside a transaction block".
  if (a === 'alter' && b === 'type' && t.includes('add') && t.includes('value') && serverVersionNum < 120000) {
    return true;
  }
  return false;
}

type Classified = Pick<AnalyzedStatement, 'classification' | 'reason' | 'targets'>;

function classifyAlterTable(t: string[]): Classified {
  let i = 2;
  i = skipIfExists(t, i);
  if (t[i] === 'only') i++;
  const { name: table, next } = qualifiedName(t, i);
  const actions = splitTopLevel(t.slice(next).filter((x) => x !== '*'));
  // renaming a constraint changes nothing a stream carries
  if (actions[0]?.[0] === 'rename' && actions[0][1] === 'constraint') {
    return { classification: 'other', reason: 'RENAME CONSTRAINT', targets: [] };
  }
  if (actions[0]?.[0] === 'rename') {
    const column =
      actions[0][1] === 'to' ? undefined : ident(actions[0][1] === 'column' ? actions[0][2] : actions[0][1]);
    return { classification: 'destructive', reason: column ? 'RENAME COLUMN' : 'RENAME', targets: [{ table, column }] };
  }
  let additive = false;
  let destructive: string | null = null;
  const targets: StatementTarget[] = [];
  for (const a of actions) {
    const [x, y, z] = a;
    if (x === 'add' && y !== 'constraint' && !['primary', 'unique', 'check', 'foreign', 'exclude'].includes(y ?? '')) {
      let k = y === 'column' ? 2 : 1;
      k = skipIfExists(a, k);
      const column = ident(a[k]);
      const rest = a.slice(k + 1);
      const notNull = rest.some((w, j) => w === 'not' && rest[j + 1] === 'null');
      const hasDefault = rest.includes('default') || rest.includes('generated');
      targets.push({ table, column });
      if (notNull && !hasDefault) destructive ??= 'ADD COLUMN NOT NULL without DEFAULT';
      else additive = true;
    } else if (x === 'add') {
      targets.push({ table });
      destructive ??= 'ADD CONSTRAINT';
    } else if (x === 'drop' && (y === 'column' || (y !== 'constraint' && y !== undefined))) {
      const k = skipIfExists(a, y === 'column' ? 2 : 1);
      targets.push({ table, column: ident(a[k]) });
      destructive ??= 'DROP COLUMN';
    } else if (x === 'alter') {
      const k = y === 'column' ? 2 : 1;
      const column = ident(a[k]);
      const rest = a.slice(k + 1);
      if (rest[0] === 'type' || (rest[0] === 'set' && rest[1] === 'data' && rest[2] === 'type')) {
        targets.push({ table, column });
        destructive ??= 'ALTER COLUMN TYPE';
      } else if (rest[0] === 'set' && rest[1] === 'not' && rest[2] === 'null') {
        targets.push({ table, column });
        destructive ??= 'SET NOT NULL';
      }
    } else if (x === 'set' && (y === 'schema' || (y === 'unlogged' && z === undefined))) {
      if (y === 'schema') {
        targets.push({ table });
        destructive ??= 'SET SCHEMA';
      }
    }
  }
  if (destructive) return { classification: 'destructive', reason: destructive, targets };
  if (additive) return { classification: 'additive', reason: 'ADD COLUMN', targets };
  return { classification: 'other', reason: 'ALTER TABLE', targets: [] };
}

function classify(t: string[]): Classified {
  const [a, b, c] = t;
  const other = (reason: string): Classified => ({ classification: 'other', reason, targets: [] });
  if (a === 'create') {
    let i = 1;
    if (b === 'or' && c === 'replace') i = 3;
    while (['global', 'local', 'temp', 'temporary', 'unlogged', 'foreign'].includes(t[i])) i++;
    const kind = t[i];
    if (kind === 'table') {
      const { name } = qualifiedName(t, skipIfExists(t, i + 1));
      return { classification: 'additive', reason: 'CREATE TABLE', targets: [{ table: name }] };
    }
    if (kind === 'schema' || kind === 'type' || kind === 'sequence' || kind === 'domain' || kind === 'extension') {
      return { classification: 'additive', reason: `CREATE ${kind.toUpperCase()}`, targets: [] };
    }
    return other(`CREATE ${(kind ?? '').toUpperCase()}`.trim());
  }
  if (a === 'alter' && (b === 'table' || (b === 'foreign' && c === 'table'))) {
    return classifyAlterTable(b === 'foreign' ? t.slice(1) : t);
  }
  if (a === 'alter' && t.includes('rename')) return { classification: 'destructive', reason: 'RENAME', targets: [] };
  if (a === 'drop') {
    const kind = b === 'materialized' ? 'materialized view' : (b ?? '');
    if (kind === 'table') {
      const names = splitTopLevel(t.slice(skipIfExists(t, 2))).map((p) => ({
        table: qualifiedName(p, 0).name,
      }));
      return { classification: 'destructive', reason: 'DROP TABLE', targets: names };
    }
    if (kind === 'index') return other('DROP INDEX');
    return { classification: 'destructive', reason: `DROP ${kind.toUpperCase()}`, targets: [] };
  }
  if (a === 'truncate') return { classification: 'destructive', reason: 'TRUNCATE', targets: [] };
  return other((a ?? '').toUpperCase());
}

/**
 * Splits a migration script ({@link splitSqlScript}) and analyses every statement: classification, the
 * non-transactional flag, touched tables/columns, transaction control.
 * @param options.serverVersionNum the target's `server_version_num`, for version-dependent rules (ALTER TYPE ...
 *   ADD VALUE cannot run in a transaction block before 120000); default 120000.
 * @throws UnterminatedSqlError from the splitter.
 */
export function analyzeSqlScript(sql: string, options: { serverVersionNum?: number } = {}): ScriptAnalysis {
  const serverVersionNum = options.serverVersionNum ?? 120000;
  const statements = splitSqlScript(sql).map((s): AnalyzedStatement => {
    const t = tokenize(s.text);
    const transactionControl =
      TX_CONTROL.has(t[0] ?? '') ||
      (t[0] === 'start' && t[1] === 'transaction') ||
      (t[0] === 'prepare' && t[1] === 'transaction');
    return {
      ...s,
      ...classify(t),
      nonTransactional: nonTransactionalOf(t, serverVersionNum),
      transactionControl,
    };
  });
  return { checksum: scriptChecksum(sql), statements, nonTransactional: statements.some((s) => s.nonTransactional) };
}

/** One statement of a migration script, as {@link splitSqlScript} cut it. */
export interface ScriptStatement {
  /** 0-based position in the script. */
  index: number;
  /** The statement from its first token to its end, without the terminating `;` (comments inside kept). */
  text: string;
  /** 1-based line of the statement's first token in the script. */
  startLine: number;
  /** 1-based line of the statement's last character. */
  endLine: number;
  /** 0-based offset (UTF-16 code units) of `text` in the script. */
  offset: number;
}

/** Thrown when a script ends inside a string, quoted identifier, dollar quote or block comment. */
export class UnterminatedSqlError extends Error {
  readonly code = 'unterminated-sql';
  constructor(
    readonly what: string,
    /** 1-based line where the unterminated construct starts. */
    readonly line: number,
  ) {
    super(`the script ends inside ${what} that starts on line ${line}`);
    this.name = 'UnterminatedSqlError';
  }
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Words whose sequence at a statement's start means it may hold a `BEGIN ATOMIC ... END` body. */
function isRoutineDefinition(words: string[]): boolean {
  if (words[0] !== 'create') return false;
  const rest = words[1] === 'or' && words[2] === 'replace' ? words.slice(3) : words.slice(1);
  return rest[0] === 'function' || rest[0] === 'procedure';
}

/**
 * Splits a PostgreSQL script into statements the way psql does (src/bin/psql/psqlscan.l): a `;` ends a statement
 * only outside single-quoted strings (`''` doubled quotes; backslash escapes in `E'...'`), quoted identifiers
 * (`""`), dollar quotes (`$$...$$`, `$tag$...$tag$`), line comments (`--`), nested block comments (`/* /* *\/ *\/`),
 * parentheses, and the `BEGIN ATOMIC ... END` body of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-standard
 * body, PG14+; `CASE ... END` inside it counted). Statements that are empty or only comments are dropped.
 * psql meta-commands (`\i`, `\set`) are not supported and pass through as SQL (the server rejects them).
 * @throws UnterminatedSqlError when the script ends inside a quote or comment.
 */
export function splitSqlScript(sql: string): ScriptStatement[] {
  const out: ScriptStatement[] = [];
  let line = 1;
  let start = -1; // offset of the current statement's first token
  let startLine = 1;
  let lastTokenEnd = -1; // offset just past the last non-comment, non-space character of the statement
  let lastTokenLine = 1;
  let parenDepth = 0;
  let beginDepth = 0;
  let words: string[] = [];
  const n = sql.length;

  const markToken = (at: number): void => {
    if (start < 0) {
      start = at;
      startLine = line;
    }
  };
  const finish = (): void => {
    if (start >= 0) {
      out.push({
        index: out.length,
        text: sql.slice(start, lastTokenEnd),
        startLine,
        endLine: lastTokenLine,
        offset: start,
      });
    }
    start = -1;
    lastTokenEnd = -1;
    parenDepth = 0;
    beginDepth = 0;
    words = [];
  };
  /** Advances `i` over `sql[from, to)`, counting newlines; returns `to`. */
  const consume = (from: number, to: number): number => {
    for (let k = from; k < to; k++) if (sql.charCodeAt(k) === 10) line++;
    return to;
  };

  let i = 0;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const openLine = line;
      let depth = 1;
      let k = i + 2;
      while (k < n && depth > 0) {
        if (sql[k] === '/' && sql[k + 1] === '*') {
          depth++;
          k += 2;
        } else if (sql[k] === '*' && sql[k + 1] === '/') {
          depth--;
          k += 2;
        } else k++;
      }
      if (depth > 0) throw new UnterminatedSqlError('a block comment', openLine);
      i = consume(i, k);
      continue;
    }
    if (c === ';' && parenDepth === 0 && beginDepth === 0) {
      finish();
      i++;
      continue;
    }
    markToken(i);
    if (c === "'" || ((c === 'E' || c === 'e') && next === "'" && !IDENT_CHAR.test(sql[i - 1] ?? ''))) {
      const openLine = line;
      const escapes = c !== "'";
      let k = escapes ? i + 2 : i + 1;
      for (;;) {
        if (k >= n) throw new UnterminatedSqlError('a string literal', openLine);
        const ch = sql[k];
        if (escapes && ch === '\\') k += 2;
        else if (ch === "'" && sql[k + 1] === "'") k += 2;
        else if (ch === "'") {
          k++;
          break;
        } else k++;
      }
      i = consume(i, k);
    } else if (c === '"') {
      const openLine = line;
      let k = i + 1;
      for (;;) {
        if (k >= n) throw new UnterminatedSqlError('a quoted identifier', openLine);
        if (sql[k] === '"' && sql[k + 1] === '"') k += 2;
        else if (sql[k] === '"') {
          k++;
          break;
        } else k++;
      }
      i = consume(i, k);
    } else if (c === '$' && !IDENT_CHAR.test(sql[i - 1] ?? '') && DOLLAR_TAG.test(sql.slice(i, i + 64))) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))![0];
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) throw new UnterminatedSqlError(`a dollar-quoted string (${tag})`, line);
      i = consume(i, close + tag.length);
    } else if (IDENT_START.test(c)) {
      let k = i + 1;
      while (k < n && IDENT_CHAR.test(sql[k])) k++;
      const word = sql.slice(i, k).toLowerCase();
      if (words.length < 4) words.push(word);
      if (isRoutineDefinition(words)) {
        if (word === 'begin') beginDepth++;
        else if (word === 'case' && beginDepth > 0) beginDepth++;
        else if (word === 'end' && beginDepth > 0) beginDepth--;
      }
      i = k;
    } else {
      if (c === '(') parenDepth++;
      else if (c === ')' && parenDepth > 0) parenDepth--;
      i++;
    }
    lastTokenEnd = i;
    lastTokenLine = line;
  }
  finish();
  return out;
}

/**
 * The 1-based script line of a server error `position` (1-based, in characters of the statement text sent).
 * Returns the statement's first line when `position` is missing or out of range.
 */
export function lineOfPosition(statement: ScriptStatement, position: number | null | undefined): number {
  if (!position || position < 1 || position > statement.text.length + 1) return statement.startLine;
  // The server counts characters (code points); the script text is UTF-16.
  const chars = Array.from(statement.text)
    .slice(0, position - 1)
    .join('');
  let extra = 0;
  for (let k = 0; k < chars.length; k++) if (chars.charCodeAt(k) === 10) extra++;
  return statement.startLine + extra;
}

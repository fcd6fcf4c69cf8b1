import { analyzeSqlScript, scriptChecksum, tokenize } from './analyze.js';
import { UnterminatedSqlError } from './split.js';

/** The analysed statements of `sql`, keeping the fields a DBA reads in the migration plan. */
const plan = (sql: string, serverVersionNum?: number) =>
  analyzeSqlScript(sql, { serverVersionNum }).statements.map((s) => ({
    text: s.text,
    classification: s.classification,
    reason: s.reason,
    targets: s.targets,
  }));
const one = (sql: string, serverVersionNum?: number) => analyzeSqlScript(sql, { serverVersionNum }).statements[0]!;

describe('tokenize: what a statement is made of', () => {
  it('drops a trailing line comment that has no newline', () => {
    expect(tokenize('SELECT 1 -- VACUUM at the end')).toEqual(['select', '1']);
  });

  it('drops nested block comments whole, and an unterminated one to the end', () => {
    expect(tokenize('DROP /* a /* nested CONCURRENTLY */ still comment */ TABLE t')).toEqual(['drop', 'table', 't']);
    expect(tokenize('REINDEX /* never closed CONCURRENTLY')).toEqual(['reindex']);
  });

  it('reads unterminated strings, identifiers and dollar quotes to the end without looping', () => {
    expect(tokenize('"abc')).toEqual(['"abc']);
    expect(tokenize("'abc")).toEqual(["'"]);
    expect(tokenize('$q$ VACUUM never closed')).toEqual(['$$']);
  });

  it("keeps '' doubling and e'' backslash escapes inside one string token", () => {
    expect(tokenize("'it''s CONCURRENTLY' x")).toEqual(["'", 'x']);
    expect(tokenize("e'a\\\\' x")).toEqual(["'", 'x']);
    expect(tokenize("E'\\' VACUUM' y")).toEqual(["'", 'y']);
  });

  it('does not take $1 for a dollar quote; keeps $ and non-ASCII letters in identifiers; folds case', () => {
    expect(tokenize('SELECT $1, a$b, Café')).toEqual(['select', '$', '1', ',', 'a$b', ',', 'café']);
  });

  it('keeps the case of quoted identifiers behind the " marker', () => {
    expect(tokenize('"MixedCase" MixedCase')).toEqual(['"MixedCase', 'mixedcase']);
  });
});

describe('analyzeSqlScript: hostile and tricky scripts', () => {
  it("finds a DROP TABLE hidden after a backslash in a standard string ('\\' ends the string)", () => {
    // standard_conforming_strings is on (default since 9.1): the backslash is a plain character.
    expect(plan("SELECT '\\'; DROP TABLE users; --'")).toEqual([
      { text: "SELECT '\\'", classification: 'other', reason: 'SELECT', targets: [] },
      { text: 'DROP TABLE users', classification: 'destructive', reason: 'DROP TABLE', targets: [{ table: 'users' }] },
    ]);
  });

  it("does not split an E'' string whose escaped quote hides a ; DROP", () => {
    expect(plan("SELECT E'\\'; DROP TABLE users; --'")).toHaveLength(1);
    expect(plan("SELECT E'\\'; DROP TABLE users; --'")[0]!.classification).toBe('other');
  });

  it('does not run a DROP inside a nested block comment (/* /* */ is still open)', () => {
    expect(plan('/* /* */ DROP TABLE users; */ SELECT 1')).toEqual([
      { text: 'SELECT 1', classification: 'other', reason: 'SELECT', targets: [] },
    ]);
  });

  it('does not take statements inside a dollar-quoted body for statements of the script', () => {
    const a = analyzeSqlScript('DO $do$ BEGIN EXECUTE $x$VACUUM$x$; DROP TABLE t; COMMIT; END $do$;');
    expect(a.statements).toHaveLength(1);
    expect(a.statements[0]).toMatchObject({ reason: 'DO', classification: 'other', transactionControl: false });
    expect(a.nonTransactional).toBe(false);
  });

  it('a CONCURRENTLY in a string literal or a quoted index name does not make a statement non-transactional', () => {
    expect(one("CREATE INDEX i ON t (a) WHERE note = 'concurrently'").nonTransactional).toBe(false);
    expect(one('CREATE INDEX "concurrently" ON t (a)').nonTransactional).toBe(false);
    expect(one('CrEaTe InDeX CoNcUrReNtLy i ON t (a)').nonTransactional).toBe(true);
  });

  it('a quoted column named "NOT" is not a NOT NULL constraint', () => {
    expect(one('ALTER TABLE t ADD COLUMN "NOT" int')).toMatchObject({
      classification: 'additive',
      targets: [{ table: 't', column: 'NOT' }],
    });
  });

  it('a DEFAULT that is the string "not null" is a default, not a constraint', () => {
    expect(one("ALTER TABLE t ADD COLUMN c text DEFAULT 'not null'").classification).toBe('additive');
  });

  it('reports the unterminated construct and its line instead of guessing', () => {
    const e = (() => {
      try {
        analyzeSqlScript("SELECT 1;\nINSERT INTO t VALUES ('oops);\nDROP TABLE t;");
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(UnterminatedSqlError);
    expect(e).toMatchObject({ code: 'unterminated-sql', line: 2, what: 'a string literal' });
  });

  it('an empty or comment-only script has no statements and still a checksum', () => {
    const a = analyzeSqlScript('-- nothing to do\n/* really */\n');
    expect(a.statements).toEqual([]);
    expect(a.nonTransactional).toBe(false);
    expect(a.checksum).toBe(scriptChecksum('-- nothing to do\n/* really */\n'));
  });
});

describe('analyzeSqlScript: positions and checksum', () => {
  it('carries index, lines and offsets of each statement through CRLF scripts and multi-line bodies', () => {
    const sql =
      'BEGIN;\r\n-- add a column\r\nALTER TABLE t\r\n  ADD COLUMN c int;\r\nCREATE FUNCTION f() RETURNS int AS $$\r\nSELECT 1;\r\n$$ LANGUAGE sql;\r\nCOMMIT;';
    const a = analyzeSqlScript(sql);
    expect(a.statements.map((s) => [s.index, s.startLine, s.endLine, s.transactionControl])).toEqual([
      [0, 1, 1, true],
      [1, 3, 4, false],
      [2, 5, 7, false],
      [3, 8, 8, true],
    ]);
    expect(sql.slice(a.statements[1]!.offset).startsWith('ALTER TABLE t')).toBe(true);
  });

  it('checksums the exact bytes: a CRLF or a trailing space changes it', () => {
    const lf = analyzeSqlScript('SELECT 1;\n').checksum;
    expect(analyzeSqlScript('SELECT 1;\r\n').checksum).not.toBe(lf);
    expect(analyzeSqlScript('SELECT 1; \n').checksum).not.toBe(lf);
    expect(lf).toBe(scriptChecksum('SELECT 1;\n'));
    expect(scriptChecksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('analyzeSqlScript: ALTER TABLE classification', () => {
  it.each([
    // ADD COLUMN
    ['ALTER TABLE t ADD COLUMN IF NOT EXISTS c int', 'additive', 'ADD COLUMN', [{ table: 't', column: 'c' }]],
    ['ALTER TABLE t ADD COLUMN c int NULL', 'additive', 'ADD COLUMN', [{ table: 't', column: 'c' }]],
    [
      'ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS IDENTITY NOT NULL',
      'additive',
      'ADD COLUMN',
      [{ table: 't', column: 'c' }],
    ],
    [
      'ALTER TABLE t ADD COLUMN c int CONSTRAINT c_nn NOT NULL',
      'destructive',
      'ADD COLUMN NOT NULL without DEFAULT',
      [{ table: 't', column: 'c' }],
    ],
    [
      'ALTER TABLE t ADD COLUMN c int CHECK (c > 0) NOT NULL',
      'destructive',
      'ADD COLUMN NOT NULL without DEFAULT',
      [{ table: 't', column: 'c' }],
    ],
    ['ALTER FOREIGN TABLE ft ADD COLUMN c int', 'additive', 'ADD COLUMN', [{ table: 'ft', column: 'c' }]],
    // Constraints
    ['ALTER TABLE t ADD PRIMARY KEY (id)', 'destructive', 'ADD CONSTRAINT', [{ table: 't' }]],
    ['ALTER TABLE t ADD UNIQUE (a, b)', 'destructive', 'ADD CONSTRAINT', [{ table: 't' }]],
    ['ALTER TABLE t ADD FOREIGN KEY (u) REFERENCES u (id)', 'destructive', 'ADD CONSTRAINT', [{ table: 't' }]],
    ['ALTER TABLE t DROP CONSTRAINT k', 'other', 'ALTER TABLE', []],
    // DROP / ALTER COLUMN
    ['ALTER TABLE t DROP c', 'destructive', 'DROP COLUMN', [{ table: 't', column: 'c' }]],
    [
      'ALTER TABLE t DROP COLUMN IF EXISTS c CASCADE, DROP d',
      'destructive',
      'DROP COLUMN',
      [
        { table: 't', column: 'c' },
        { table: 't', column: 'd' },
      ],
    ],
    [
      'ALTER TABLE t ALTER COLUMN c SET DATA TYPE text',
      'destructive',
      'ALTER COLUMN TYPE',
      [{ table: 't', column: 'c' }],
    ],
    ['ALTER TABLE t ALTER COLUMN c DROP NOT NULL', 'other', 'ALTER TABLE', []],
    ['ALTER TABLE t ALTER CONSTRAINT k DEFERRABLE', 'other', 'ALTER TABLE', []],
    // Names
    [
      'ALTER TABLE "Sales"."Order Items" DROP COLUMN "Qty"',
      'destructive',
      'DROP COLUMN',
      [{ table: 'Sales.Order Items', column: 'Qty' }],
    ],
    [
      'ALTER TABLE IF EXISTS ONLY s.t RENAME COLUMN "A" TO b',
      'destructive',
      'RENAME COLUMN',
      [{ table: 's.t', column: 'A' }],
    ],
    ['ALTER TABLE t RENAME c TO d', 'destructive', 'RENAME COLUMN', [{ table: 't', column: 'c' }]],
    // Table-level
    ['ALTER TABLE t SET SCHEMA archive', 'destructive', 'SET SCHEMA', [{ table: 't' }]],
    ['ALTER TABLE t SET UNLOGGED', 'other', 'ALTER TABLE', []],
    ['ALTER TABLE t OWNER TO bob', 'other', 'ALTER TABLE', []],
    ['ALTER TABLE', 'other', 'ALTER TABLE', []],
  ])('%s → %s (%s)', (sql, classification, reason, targets) => {
    expect(one(sql)).toMatchObject({ classification, reason, targets });
  });

  it('with several actions: the first destructive reason wins and every touched column is a target', () => {
    expect(one('ALTER TABLE t ALTER c TYPE bigint, DROP COLUMN d, ADD COLUMN e int')).toMatchObject({
      classification: 'destructive',
      reason: 'ALTER COLUMN TYPE',
      targets: [
        { table: 't', column: 'c' },
        { table: 't', column: 'd' },
        { table: 't', column: 'e' },
      ],
    });
    // One safe and one unsafe ADD COLUMN: the statement as a whole is unsafe for replication order.
    expect(one('ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int NOT NULL')).toMatchObject({
      classification: 'destructive',
      reason: 'ADD COLUMN NOT NULL without DEFAULT',
    });
    // A harmless action next to a type change does not hide it.
    expect(one('ALTER TABLE t ALTER COLUMN c SET DEFAULT 1, ALTER COLUMN c TYPE bigint USING c::bigint')).toMatchObject(
      { classification: 'destructive', reason: 'ALTER COLUMN TYPE', targets: [{ table: 't', column: 'c' }] },
    );
  });

  // RENAME CONSTRAINT was once taken for RENAME COLUMN of a column named "constraint".
  it('RENAME CONSTRAINT is not a column rename', () => {
    const s = one('ALTER TABLE t RENAME CONSTRAINT t_a_check TO t_a_positive');
    expect(s.reason).not.toBe('RENAME COLUMN');
    expect(s.targets).not.toContainEqual({ table: 't', column: 'constraint' });
  });
});

describe('analyzeSqlScript: other statements', () => {
  it.each([
    ['CREATE TEMP TABLE IF NOT EXISTS x (a int)', 'additive', 'CREATE TABLE', [{ table: 'x' }]],
    ['CREATE UNLOGGED TABLE s.x (a int)', 'additive', 'CREATE TABLE', [{ table: 's.x' }]],
    ['CREATE GLOBAL TEMPORARY TABLE x (a int)', 'additive', 'CREATE TABLE', [{ table: 'x' }]],
    ['CREATE FOREIGN TABLE ft (a int) SERVER s', 'additive', 'CREATE TABLE', [{ table: 'ft' }]],
    ['CREATE SCHEMA IF NOT EXISTS s', 'additive', 'CREATE SCHEMA', []],
    ["CREATE TYPE mood AS ENUM ('a')", 'additive', 'CREATE TYPE', []],
    ['CREATE SEQUENCE s', 'additive', 'CREATE SEQUENCE', []],
    ['CREATE DOMAIN d AS int', 'additive', 'CREATE DOMAIN', []],
    ['CREATE EXTENSION pgcrypto', 'additive', 'CREATE EXTENSION', []],
    ['CREATE OR REPLACE VIEW v AS SELECT 1', 'other', 'CREATE VIEW', []],
    ['CREATE', 'other', 'CREATE', []],
    ['DROP MATERIALIZED VIEW mv', 'destructive', 'DROP MATERIALIZED VIEW', []],
    ['DROP SCHEMA s CASCADE', 'destructive', 'DROP SCHEMA', []],
    ['DROP TABLE "A", b.c', 'destructive', 'DROP TABLE', [{ table: 'A' }, { table: 'b.c' }]],
    ['TRUNCATE ONLY a, b', 'destructive', 'TRUNCATE', []],
    ['ALTER INDEX i RENAME TO j', 'destructive', 'RENAME', []],
    ["ALTER TYPE mood RENAME VALUE 'a' TO 'b'", 'destructive', 'RENAME', []],
    ['ALTER SCHEMA s RENAME TO s2', 'destructive', 'RENAME', []],
    ['ALTER ROLE app SET application_name = $x$rename$x$', 'other', 'ALTER', []],
    ['INSERT INTO t VALUES (1)', 'other', 'INSERT', []],
  ])('%s → %s (%s)', (sql, classification, reason, targets) => {
    expect(one(sql)).toMatchObject({ classification, reason, targets });
  });
});

describe('analyzeSqlScript: statements that cannot run in a transaction block', () => {
  it.each([
    'CREATE TABLESPACE ts LOCATION $$/data/ts$$',
    'DROP TABLESPACE ts',
    'DROP DATABASE IF EXISTS d WITH (FORCE)',
    'ALTER DATABASE d SET TABLESPACE fast',
    'DROP SUBSCRIPTION s',
    'REINDEX SYSTEM d',
    'CLUSTER',
    'CLUSTER VERBOSE',
    'vacuum full t',
  ])('%s is non-transactional', (sql) => {
    expect(one(sql).nonTransactional).toBe(true);
    expect(analyzeSqlScript(`SELECT 1; ${sql};`).nonTransactional).toBe(true);
  });

  it.each([
    'CLUSTER t',
    'CLUSTER VERBOSE t USING i',
    'REINDEX TABLE t',
    'REINDEX INDEX system_idx',
    'CREATE UNIQUE INDEX i ON t (a)',
    'ALTER DATABASE d SET default_tablespace = fast',
    'DROP INDEX i',
    'ALTER SUBSCRIPTION s DISABLE',
  ])('%s runs in a transaction block', (sql) => {
    expect(one(sql).nonTransactional).toBe(false);
  });

  it('ALTER TYPE ... ADD VALUE: the boundary is server_version_num 120000, which is also the default', () => {
    const sql = "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'x' BEFORE 'y'";
    expect(one(sql, 119999).nonTransactional).toBe(true);
    expect(one(sql, 120000).nonTransactional).toBe(false);
    expect(analyzeSqlScript(sql).statements[0]!.nonTransactional).toBe(false);
    // Other ALTER TYPE forms never were restricted.
    expect(one('ALTER TYPE mood OWNER TO bob', 110000).nonTransactional).toBe(false);
  });

  // PostgreSQL 15 answers "REINDEX SCHEMA cannot run inside a transaction block" (BEGIN; REINDEX SCHEMA pg_catalog;)
  it('REINDEX SCHEMA is non-transactional, REINDEX TABLE schema_named_table is not', () => {
    expect(one('REINDEX SCHEMA public').nonTransactional).toBe(true);
    expect(one('REINDEX (VERBOSE) SCHEMA public').nonTransactional).toBe(true);
    expect(one('REINDEX TABLE schema').nonTransactional).toBe(false);
  });

  // ALTER SUBSCRIPTION docs (PG14+): "ALTER SUBSCRIPTION ... REFRESH PUBLICATION and ALTER SUBSCRIPTION ...
  // {SET|ADD|DROP} PUBLICATION ... with refresh option as true cannot be executed inside a transaction block".
  it('ALTER SUBSCRIPTION ... REFRESH / SET PUBLICATION is non-transactional unless refresh = false', () => {
    expect(one('ALTER SUBSCRIPTION s REFRESH PUBLICATION').nonTransactional).toBe(true);
    expect(one('ALTER SUBSCRIPTION s SET PUBLICATION p').nonTransactional).toBe(true);
    expect(one('ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (refresh = false)').nonTransactional).toBe(false);
    expect(one('ALTER SUBSCRIPTION s DISABLE').nonTransactional).toBe(false);
  });
});

describe('analyzeSqlScript: transaction control', () => {
  it.each([
    ['ROLLBACK', true],
    ['SAVEPOINT sp', true],
    ['RELEASE SAVEPOINT sp', true],
    ['ROLLBACK TO SAVEPOINT sp', true],
    ['END', true],
    ['ABORT', true],
    ['START TRANSACTION ISOLATION LEVEL SERIALIZABLE', true],
    ["PREPARE TRANSACTION 'tx1'", true],
    ["COMMIT PREPARED 'tx1'", true],
    ['PREPARE p AS SELECT 1', false],
    ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', false],
    ['START', false],
    ['CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END', false],
  ])('%s → transactionControl %s', (sql, expected) => {
    expect(one(sql).transactionControl).toBe(expected);
  });
});

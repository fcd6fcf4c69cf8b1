import { analyzeSqlScript, scriptChecksum, tokenize } from './analyze.js';
import { UnterminatedSqlError, lineOfPosition, splitSqlScript } from './split.js';

const texts = (sql: string) => splitSqlScript(sql).map((s) => s.text);

describe('splitSqlScript', () => {
  it('splits on semicolons and numbers lines from the first token', () => {
    const stmts = splitSqlScript(
      '-- header\n\nCREATE TABLE a (id int);\n  ALTER TABLE a\n  ADD COLUMN b text;\nSELECT 1',
    );
    expect(stmts.map((s) => [s.text, s.startLine, s.endLine])).toEqual([
      ['CREATE TABLE a (id int)', 3, 3],
      ['ALTER TABLE a\n  ADD COLUMN b text', 4, 5],
      ['SELECT 1', 6, 6],
    ]);
    expect(stmts[1].offset).toBe('-- header\n\nCREATE TABLE a (id int);\n  '.length);
  });

  it('keeps semicolons inside dollar quotes, including tagged ones that contain $$', () => {
    const sql = `CREATE FUNCTION f() RETURNS int AS $body$ BEGIN PERFORM 1; RETURN $$;$$; END $body$ LANGUAGE plpgsql;
DO $$ BEGIN RAISE NOTICE 'x;'; END $$;`;
    expect(texts(sql)).toHaveLength(2);
    expect(texts(sql)[1]).toBe("DO $$ BEGIN RAISE NOTICE 'x;'; END $$");
  });

  it('does not take $1 or identifiers with $ for dollar quotes', () => {
    expect(texts('PREPARE p AS SELECT $1; SELECT a$b$c FROM t; SELECT 2')).toEqual([
      'PREPARE p AS SELECT $1',
      'SELECT a$b$c FROM t',
      'SELECT 2',
    ]);
  });

  it('handles nested block comments, line comments with quotes and semicolons', () => {
    const sql = "/* outer /* inner ; */ still ; comment */ SELECT 1; -- it's; a comment\nSELECT 2 /* ; */;";
    // A trailing comment is not part of the statement text.
    expect(texts(sql)).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it("handles '' doubling, E'' backslash escapes and quoted identifiers with quotes and semicolons", () => {
    const sql = `INSERT INTO t VALUES ('it''s; fine', E'back\\'slash; ok', e'\\\\');
ALTER TABLE "we""ird;name" ADD COLUMN "x;y" int;
SELECT 'E' || 'x'`;
    expect(texts(sql)).toEqual([
      "INSERT INTO t VALUES ('it''s; fine', E'back\\'slash; ok', e'\\\\')",
      'ALTER TABLE "we""ird;name" ADD COLUMN "x;y" int',
      "SELECT 'E' || 'x'",
    ]);
  });

  it('keeps a BEGIN ATOMIC body (with CASE ... END) in one statement', () => {
    const sql = `CREATE OR REPLACE FUNCTION g(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;
  SELECT x;
END;
BEGIN;
SELECT 1;`;
    const stmts = splitSqlScript(sql);
    expect(stmts.map((s) => s.startLine)).toEqual([1, 6, 7]);
    expect(stmts[0].text.endsWith('END')).toBe(true);
  });

  it('keeps semicolons inside parentheses (CREATE RULE ... DO (...; ...))', () => {
    expect(
      texts('CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1'),
    ).toHaveLength(2);
  });

  it('drops empty and comment-only statements', () => {
    expect(texts(';;  -- nothing\n/* x */;')).toEqual([]);
  });

  it('throws UnterminatedSqlError with the opening line', () => {
    expect(() => splitSqlScript("SELECT 1;\nSELECT 'abc")).toThrow(UnterminatedSqlError);
    expect(() => splitSqlScript('SELECT 1;\n\n/* /* */')).toThrow(/block comment that starts on line 3/);
    expect(() => splitSqlScript('DO $x$ begin')).toThrow(/dollar-quoted/);
    expect(() => splitSqlScript('SELECT "abc')).toThrow(/quoted identifier/);
  });

  it('maps a server error position to a script line', () => {
    const [, second] = splitSqlScript('SELECT 1;\n\nALTER TABLE t\n  ADD COLUMN é int,\n  ADD COLUMN b int;');
    expect(lineOfPosition(second, second.text.indexOf('b int') + 1)).toBe(5);
    expect(lineOfPosition(second, null)).toBe(3);
    expect(lineOfPosition(second, 10_000)).toBe(3);
  });
});

describe('analyzeSqlScript', () => {
  const one = (sql: string, v?: number) => analyzeSqlScript(sql, { serverVersionNum: v }).statements[0];

  it.each([
    ['CREATE TABLE IF NOT EXISTS s.t (id int)', 'additive', 'CREATE TABLE', [{ table: 's.t' }]],
    ['ALTER TABLE t ADD COLUMN c text', 'additive', 'ADD COLUMN', [{ table: 't', column: 'c' }]],
    ['ALTER TABLE ONLY "T" ADD c int NOT NULL DEFAULT 0', 'additive', 'ADD COLUMN', [{ table: 'T', column: 'c' }]],
    [
      'ALTER TABLE t ADD COLUMN c int NOT NULL',
      'destructive',
      'ADD COLUMN NOT NULL without DEFAULT',
      [{ table: 't', column: 'c' }],
    ],
    ['ALTER TABLE IF EXISTS t DROP COLUMN IF EXISTS c', 'destructive', 'DROP COLUMN', [{ table: 't', column: 'c' }]],
    ['ALTER TABLE t ALTER COLUMN c TYPE bigint', 'destructive', 'ALTER COLUMN TYPE', [{ table: 't', column: 'c' }]],
    ['ALTER TABLE t ALTER c SET NOT NULL', 'destructive', 'SET NOT NULL', [{ table: 't', column: 'c' }]],
    ['ALTER TABLE t RENAME COLUMN a TO b', 'destructive', 'RENAME COLUMN', [{ table: 't', column: 'a' }]],
    ['ALTER TABLE t RENAME TO u', 'destructive', 'RENAME', [{ table: 't' }]],
    ['ALTER TABLE t ADD CONSTRAINT k CHECK (a > 0)', 'destructive', 'ADD CONSTRAINT', [{ table: 't' }]],
    ['DROP TABLE IF EXISTS a, s.b CASCADE', 'destructive', 'DROP TABLE', [{ table: 'a' }, { table: 's.b' }]],
    ['TRUNCATE t', 'destructive', 'TRUNCATE', []],
    ['CREATE INDEX i ON t (a)', 'other', 'CREATE INDEX', []],
    ['DROP INDEX i', 'other', 'DROP INDEX', []],
    ['GRANT SELECT ON t TO r', 'other', 'GRANT', []],
    ['ALTER TABLE t ALTER c SET DEFAULT 1', 'other', 'ALTER TABLE', []],
  ])('%s → %s', (sql, cls, reason, targets) => {
    expect(one(sql)).toMatchObject({ classification: cls, reason, targets });
  });

  it.each([
    'CREATE INDEX CONCURRENTLY i ON t (a)',
    'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)',
    'DROP INDEX CONCURRENTLY i',
    'REINDEX (VERBOSE) INDEX CONCURRENTLY i',
    'REINDEX DATABASE d',
    'VACUUM (ANALYZE) t',
    'CREATE DATABASE d',
    'ALTER SYSTEM SET work_mem = 1',
    'CREATE SUBSCRIPTION s CONNECTION $$host=x$$ PUBLICATION p',
  ])('%s cannot run in a transaction block', (sql) => {
    expect(one(sql).nonTransactional).toBe(true);
  });

  it('ALTER TYPE ... ADD VALUE is non-transactional only before PostgreSQL 12', () => {
    expect(one("ALTER TYPE e ADD VALUE 'x'", 110000).nonTransactional).toBe(true);
    expect(one("ALTER TYPE e ADD VALUE 'x'", 150000).nonTransactional).toBe(false);
  });

  it('a comment mentioning CONCURRENTLY does not make a statement non-transactional', () => {
    const a = analyzeSqlScript("CREATE INDEX i ON t (a) /* not CONCURRENTLY */; SELECT 'VACUUM'");
    expect(a.nonTransactional).toBe(false);
  });

  it('flags transaction control and computes the sha256 of the UTF-8 bytes', () => {
    const a = analyzeSqlScript('BEGIN; SELECT 1; COMMIT; START TRANSACTION;');
    expect(a.statements.map((s) => s.transactionControl)).toEqual([true, false, true, true]);
    expect(scriptChecksum('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
    expect(a.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tokenizes quoted identifiers, strings and dollar quotes', () => {
    expect(tokenize(`ALTER "A""b" $$x;$$ E'q\\'' 'r'`)).toEqual(['alter', '"A"b', '$$', "'", "'"]);
  });
});

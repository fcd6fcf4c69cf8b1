import fc from 'fast-check';
import pg from 'pg';

import { quoteIdent, quoteLiteral, quoteQualified } from './quote.js';

/** Round-trips against the machine's PostgreSQL 15 (trust auth on 127.0.0.1:5432, UTF8). */
describe('quoting round-trips through a real server', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  /** Strings rich in SQL-significant characters plus arbitrary code points. */
  const tricky = (maxLength: number) =>
    fc.string({
      unit: fc.oneof(
        fc.constantFrom('"', "'", ';', '\\', '$', '-', ' ', '\n', '*', '/', 'É', '🐘'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      minLength: 1,
      maxLength,
    });

  it('SELECT 1 AS <quoteIdent(name)> returns the column name unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(tricky(30), async (name) => {
        fc.pre(!name.includes('\0') && Buffer.byteLength(name) <= 63);
        const r = await client.query(`SELECT 1 AS ${quoteIdent(name)}`);
        expect(r.fields[0].name).toBe(name);
      }),
      { numRuns: 200 },
    );
  });

  it('SELECT <quoteLiteral(value)> returns the value unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(tricky(60), async (value) => {
        fc.pre(!value.includes('\0'));
        const r = await client.query<{ v: string }>(`SELECT ${quoteLiteral(value)}::text AS v`);
        expect(r.rows[0].v).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('quoteQualified names a table in a schema with awkward names', async () => {
    const schema = 'prm "Quote".test';
    const table = "Or'der; DROP";
    await client.query('BEGIN');
    try {
      await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      await client.query(`CREATE TABLE ${quoteQualified({ schema, table })} (id int)`);
      const r = await client.query<{ n: string; t: string }>(
        `SELECT n.nspname AS n, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = $1::regclass`,
        [quoteQualified({ schema, table })],
      );
      expect(r.rows[0]).toEqual({ n: schema, t: table });
      // regclass::text output splits back into the same parts.
      const text = await client.query<{ t: string }>('SELECT $1::regclass::text AS t', [
        quoteQualified({ schema, table }),
      ]);
      expect(quoteQualified(text.rows[0].t)).toBe(quoteQualified({ schema, table }));
    } finally {
      await client.query('ROLLBACK');
    }
  });
});

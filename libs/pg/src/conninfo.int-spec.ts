import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import fc from 'fast-check';

import { formatConninfo, parseConninfo, stripPassword } from './conninfo.js';

const run = promisify(execFile);

/**
 * Asks real libpq (psql 15) how it reads a connection string: connects to the machine's PostgreSQL 15 (trust auth,
 * so any password is accepted) and returns what the server saw as user, database and application_name.
 */
async function libpqReads(conninfo: string): Promise<{ user: string; dbname: string; app: string }> {
  const sql =
    "SELECT current_user || E'\\x1f' || current_database() || E'\\x1f' || current_setting('application_name')";
  const { stdout } = await run('psql', ['-XAtq', '-d', conninfo, '-c', sql], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
  });
  const [user, dbname, app] = stdout.replace(/\n$/, '').split('\x1f');
  return { user, dbname, app };
}

describe('parseConninfo agrees with libpq', () => {
  // The server replaces non-ASCII characters of application_name with '?', so it gets ASCII only.
  const special = fc.constantFrom("'", '\\', ' ', '=', '@', '/', '%', '&', '?', ':');
  const app = fc.string({ unit: fc.oneof(special, fc.constantFrom('a', 'Z', '9')), minLength: 1, maxLength: 16 });
  const secret = fc.string({ unit: fc.oneof(special, fc.constantFrom('a', 'é', '🔑')), minLength: 1, maxLength: 16 });

  it('key=value strings built by formatConninfo, with and without the password stripped', async () => {
    await fc.assert(
      fc.asyncProperty(app, secret, async (application_name, password) => {
        const s = formatConninfo({
          host: '127.0.0.1',
          port: '5432',
          user: 'postgres',
          password,
          dbname: 'postgres',
          application_name,
        });
        const seen = await libpqReads(s);
        expect(seen).toEqual({ user: 'postgres', dbname: 'postgres', app: parseConninfo(s).application_name });
        expect(await libpqReads(stripPassword(s))).toEqual(seen);
      }),
      { numRuns: 15 },
    );
  });

  it('URIs with percent-encoded userinfo password and query parameters', async () => {
    await fc.assert(
      fc.asyncProperty(app, secret, async (application_name, password) => {
        const enc = encodeURIComponent;
        const s = `postgresql://postgres:${enc(password)}@127.0.0.1:5432/postgres?application_name=${enc(application_name)}`;
        const seen = await libpqReads(s);
        expect(seen.app).toBe(parseConninfo(s).application_name);
        expect(await libpqReads(stripPassword(s))).toEqual(seen);
      }),
      { numRuns: 15 },
    );
  });
});

import { classifyPgError, scrubSecrets } from './classify.js';

/** The shape pg gives a server ErrorResponse (pg-protocol DatabaseError). */
const serverError = (code: string, message: string): Error =>
  Object.assign(new Error(message), { code, severity: 'FATAL' });
const sysError = (code: string, message = `connect ${code} 10.0.0.5:5432`): Error =>
  Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });

describe('classifyPgError: error shapes the driver and Node produce', () => {
  it('reads the code of an error wrapped in `cause` (e.g. a pool or a retry wrapper)', () => {
    const wrapped = new Error('could not connect to the publisher', { cause: sysError('ECONNREFUSED') });
    const c = classifyPgError(wrapped, { host: 'pub.internal', port: 5433 });
    expect(c.code).toBe('connection-refused');
    // The wrapper's message is kept: it says what prm was doing.
    expect(c.message).toBe('connection to pub.internal:5433 refused: could not connect to the publisher');
  });

  it('reads a server SQLSTATE through `cause` and keeps it on the result', () => {
    const wrapped = new Error('', { cause: serverError('3D000', 'database "salez" does not exist') });
    const c = classifyPgError(wrapped, { host: 'h', dbname: 'salez' });
    expect(c).toMatchObject({
      code: 'unknown-database',
      sqlstate: '3D000',
      message: 'database "salez" does not exist',
    });
    expect(c.remedy).toBe('Database "salez" does not exist on h: fix the database name or CREATE DATABASE it');
  });

  it('a cause without a code adds nothing; a self-referencing cause does not loop', () => {
    const plain = new Error('socket hang up', { cause: new Error('inner') });
    expect(classifyPgError(plain)).toMatchObject({ code: 'unknown', message: 'socket hang up' });
    const self: Error & { cause?: unknown } = new Error('loop');
    self.cause = self;
    expect(classifyPgError(self)).toMatchObject({ code: 'unknown', message: 'loop' });
  });

  it('an AggregateError with no coded inner error falls back to its own message', () => {
    const agg = new AggregateError([new Error('a'), 'b'], 'all attempts failed');
    expect(classifyPgError(agg)).toMatchObject({ code: 'unknown', message: 'all attempts failed' });
  });

  it('a 5-character code without a severity is a Node/driver code, not a SQLSTATE', () => {
    const c = classifyPgError(Object.assign(new Error('x'), { code: 'EPROTO' }), { host: 'h', port: 5432 });
    expect(c.code).toBe('tls-failed');
    expect(c).not.toHaveProperty('sqlstate');
  });

  it('objects without a string message are stringified; an empty message becomes "unknown error"', () => {
    expect(classifyPgError({ message: 42 }).message).toBe('[object Object]');
    expect(classifyPgError(new Error(''))).toMatchObject({ code: 'unknown', message: 'unknown error' });
    expect(classifyPgError(null)).toMatchObject({ code: 'unknown', message: 'null' });
  });
});

describe('classifyPgError: where and who in messages and remedies', () => {
  it('names the host without a port, or "the server" when nothing is known', () => {
    expect(classifyPgError(sysError('ETIMEDOUT'), { host: 'db.example' }).message).toMatch(
      /^connection to db\.example timed out: /,
    );
    expect(classifyPgError(sysError('ENETUNREACH')).message).toMatch(/^the server is unreachable: /);
  });

  it('DNS failures name the host and point at private DNS', () => {
    const c = classifyPgError(sysError('EAI_NONAME', 'getaddrinfo EAI_NONAME nope.internal'), {
      host: 'nope.internal',
    });
    expect(c).toMatchObject({
      code: 'dns-failure',
      message: 'cannot resolve host nope.internal: getaddrinfo EAI_NONAME nope.internal',
    });
    expect(c.remedy).toContain('private hosted zone');
    // Without a host the message does not leave a dangling "host :".
    expect(classifyPgError(sysError('EAI_FAIL', 'boom')).message).toBe('cannot resolve host: boom');
  });

  it('a non-database 42501 asks for pg_monitor for the configured user; placeholders when none is known', () => {
    const c = classifyPgError(serverError('42501', 'permission denied for table pg_subscription'), { user: 'mon' });
    expect(c.remedy).toBe('Grant the missing privilege to mon (for monitoring: GRANT pg_monitor TO mon)');
    expect(classifyPgError(serverError('42501', 'permission denied for database d'), {}).remedy).toBe(
      'GRANT CONNECT ON DATABASE <database> TO <user>',
    );
  });

  it('28P01 with an rds-iam credential gives the IAM checklist for that user', () => {
    const c = classifyPgError(serverError('28P01', 'password authentication failed for user "iam_app"'), {
      user: 'iam_app',
      credentialKind: 'rds-iam',
    });
    expect(c.remedy).toContain('GRANT rds_iam TO iam_app');
    expect(c.remedy).toContain('dbuser:<DbiResourceId>/iam_app');
    // A plain password failure says which role and how to reset it.
    expect(classifyPgError(serverError('28P01', 'password authentication failed'), { user: 'app' }).remedy).toContain(
      'ALTER ROLE app PASSWORD',
    );
  });

  it('28000 role does not exist → unknown-role with the CREATE ROLE fix for the configured user', () => {
    const c = classifyPgError(serverError('28000', 'role "ghost" does not exist'), {});
    expect(c).toMatchObject({ code: 'unknown-role', sqlstate: '28000' });
    expect(c.remedy).toContain('CREATE ROLE <user> LOGIN');
  });
});

describe('classifyPgError: pg_hba remedies', () => {
  it('"pg_hba.conf rejects" without names uses the context and a placeholder address', () => {
    const c = classifyPgError(serverError('28000', 'pg_hba.conf rejects connection'), {
      user: 'repl',
      dbname: 'sales',
      sslmode: 'verify-full',
    });
    expect(c.code).toBe('no-pg-hba-entry');
    expect(c.remedy).toBe(
      'Add "hostssl sales repl <client address> scram-sha-256" to pg_hba.conf and run SELECT pg_reload_conf()',
    );
  });

  it('falls back to <user>/<database> placeholders when neither message nor context names them', () => {
    const c = classifyPgError(serverError('28000', 'pg_hba.conf rejects connection'));
    expect(c.remedy).toContain('"hostssl <database> <user> <client address> scram-sha-256"');
  });

  it('a client given by name gets no mask; "SSL off" adds the RDS force_ssl hint', () => {
    const msg = 'no pg_hba.conf entry for host "app-1.internal", user "app", database "sales", SSL off';
    const c = classifyPgError(serverError('28000', msg), { sslmode: 'prefer' });
    expect(c.remedy).toContain('"hostssl sales app app-1.internal scram-sha-256"');
    expect(c.remedy).toContain('rds.force_ssl=1');
  });
});

describe('classifyPgError: TLS', () => {
  it('without an sslmode the "does not support SSL" message assumes require', () => {
    const c = classifyPgError(new Error('The server does not support SSL connections'), { host: 'h', port: 1 });
    expect(c).toMatchObject({
      code: 'tls-required',
      message: 'sslmode=require requires TLS but h:1 does not offer it (ssl=off)',
    });
  });

  it.each(['CERT_HAS_EXPIRED', 'HOSTNAME_MISMATCH', 'ERR_SSL_WRONG_VERSION_NUMBER'])(
    '%s → tls-failed with the CA bundle hint',
    (code) => {
      const c = classifyPgError(sysError(code, 'handshake'), { host: 'rds.example', port: 5432 });
      expect(c).toMatchObject({ code: 'tls-failed', message: 'TLS handshake with rds.example:5432 failed: handshake' });
      expect(c.remedy).toContain('global-bundle.pem');
    },
  );

  it('an unknown Node code is not taken for TLS', () => {
    expect(classifyPgError(sysError('EPIPE', 'write EPIPE')).code).toBe('unknown');
  });
});

describe('scrubSecrets: credentials never survive', () => {
  it('ignores empty secrets (an empty string must not blank the whole message)', () => {
    expect(scrubSecrets('connect failed for app', ['', 'pw'])).toBe('connect failed for app');
  });

  it('removes the longest variant first so a secret containing another is fully hidden', () => {
    expect(scrubSecrets('token=abcdef and abc', ['abc', 'abcdef'])).toBe('token=*** and ***');
  });

  it("removes backslash-escaped secrets as a conninfo echoes them (password='it\\'s')", () => {
    const out = scrubSecrets("auth with it\\'s failed", ["it's"]);
    expect(out).toBe('auth with *** failed');
  });

  it('hides password= values in any case and URI passwords of postgres:// URIs only', () => {
    expect(scrubSecrets('PASSWORD = hunter2 host=h')).toBe('password = *** host=h');
    expect(scrubSecrets('postgres://u:p%40ss@h/db')).toBe('postgres://u:***@h/db');
    // Not a connection URI: left as is (no false redaction of ordinary URLs in server messages).
    expect(scrubSecrets('see https://user:x@example.com')).toBe('see https://user:x@example.com');
  });
});

import { classifyPgError, scrubSecrets } from './classify.js';
import { CausedError } from './errors.js';

/** The shape pg gives a server ErrorResponse (pg-protocol DatabaseError). */
function serverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'FATAL' });
}
function sysError(code: string, message = `connect ${code} 10.0.0.5:5432`): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}
const ctx = { host: 'db.internal', port: 5432, dbname: 'sales', user: 'app' };

describe('classifyPgError: server SQLSTATEs', () => {
  it.each([
    ['28P01', 'password authentication failed for user "app"', 'auth-failed'],
    ['28000', 'role "ghost" does not exist', 'unknown-role'],
    ['3D000', 'database "nope" does not exist', 'unknown-database'],
    ['42501', 'permission denied for database sales', 'insufficient-privilege'],
    ['53300', 'sorry, too many clients already', 'too-many-connections'],
    ['57P03', 'the database system is starting up', 'server-starting-or-stopping'],
    ['57014', 'canceling statement due to statement timeout', 'timeout'],
    ['55P03', 'canceling statement due to lock timeout', 'timeout'],
    ['XX000', 'internal error', 'unknown'],
  ])('%s %s → %s', (sqlstate, message, code) => {
    const c = classifyPgError(serverError(sqlstate, message), ctx);
    expect(c).toMatchObject({ code, sqlstate, message });
    expect(c.remedy.length).toBeGreaterThan(10);
    expect(c.remedy).not.toContain('\n');
  });

  it('names the pg_hba line to add, from the server message', () => {
    const msg = 'no pg_hba.conf entry for host "10.1.2.3", user "app", database "sales", SSL encryption';
    const c = classifyPgError(serverError('28000', msg), { ...ctx, sslmode: 'require' });
    expect(c.code).toBe('no-pg-hba-entry');
    expect(c.remedy).toContain('"hostssl sales app 10.1.2.3/32 scram-sha-256"');
    expect(c.remedy).not.toContain('force_ssl');
  });

  it('adds the RDS force_ssl hint when the rejected connection was unencrypted', () => {
    const msg = 'no pg_hba.conf entry for host "::1", user "app", database "sales", no encryption';
    const c = classifyPgError(serverError('28000', msg), { ...ctx, sslmode: 'disable' });
    expect(c.code).toBe('no-pg-hba-entry');
    expect(c.remedy).toContain('"host sales app ::1/128 scram-sha-256"');
    expect(c.remedy).toContain('rds.force_ssl=1');
  });

  it('gives RDS IAM advice for a PAM failure', () => {
    const c = classifyPgError(serverError('28P01', 'PAM authentication failed for user "app"'), ctx);
    expect(c.code).toBe('auth-failed');
    expect(c.remedy).toContain('GRANT rds_iam TO app');
    expect(c.remedy).toContain('DbiResourceId');
  });

  it('treats other 28000 errors as auth failures', () => {
    expect(classifyPgError(serverError('28000', 'role "x" is not permitted to log in'), ctx).code).toBe('auth-failed');
  });
});

describe('classifyPgError: network, TLS and driver errors', () => {
  it.each([
    ['ENOTFOUND', 'dns-failure'],
    ['EAI_AGAIN', 'dns-failure'],
    ['ECONNREFUSED', 'connection-refused'],
    ['EHOSTUNREACH', 'connection-refused'],
    ['ETIMEDOUT', 'timeout'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls-failed'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls-failed'],
  ])('%s → %s', (code, expected) => {
    expect(classifyPgError(sysError(code), ctx).code).toBe(expected);
  });

  it('reads the code from an AggregateError (Node happy eyeballs)', () => {
    const agg = new AggregateError([sysError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], '');
    const c = classifyPgError(agg, ctx);
    expect(c.code).toBe('connection-refused');
    expect(c.remedy).toMatch(/security group/);
    expect(c.remedy).toMatch(/listen_addresses/);
  });

  it('recognises pg driver timeouts and the server refusing SSL', () => {
    expect(classifyPgError(new Error('timeout expired'), ctx).code).toBe('timeout');
    expect(classifyPgError(new Error('Connection terminated due to connection timeout'), ctx).code).toBe('timeout');
    const c = classifyPgError(new Error('The server does not support SSL connections'), {
      ...ctx,
      sslmode: 'verify-full',
    });
    expect(c.code).toBe('tls-required');
    expect(c.message).toContain('sslmode=verify-full');
  });

  it('passes an already classified cause through, and handles non-errors', () => {
    const c = { code: 'secret-not-found' as const, message: 'm', remedy: 'r' };
    expect(classifyPgError(new CausedError(c))).toEqual(c);
    expect(classifyPgError('boom')).toMatchObject({ code: 'unknown', message: 'boom' });
    expect(classifyPgError(undefined).code).toBe('unknown');
  });
});

describe('secret scrubbing', () => {
  const secret = "p@ss w'rd/%";
  it('removes known secrets, their encodings, password= values and URI passwords', () => {
    const raw = [
      `failed with ${secret}`,
      `uri postgresql://app:${encodeURIComponent(secret)}@h/db`,
      `kv host=h password='p@ss w\\'rd/%' dbname=d`,
      'other sslpassword=abc&x=1',
    ].join(' | ');
    const out = scrubSecrets(raw, [secret]);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).not.toContain('abc');
    expect(out).toContain('postgresql://app:***@h/db');
    expect(out).toContain('dbname=d');
  });

  it('is applied to every classified message', () => {
    const err = serverError('XX000', `could not connect: host=h password=${secret}x`);
    const c = classifyPgError(err, { ...ctx, secrets: [secret] });
    expect(c.message).not.toContain(secret);
    const passed = classifyPgError(new CausedError({ code: 'unknown', message: `leak ${secret}`, remedy: 'r' }), {
      secrets: [secret],
    });
    expect(passed.message).toBe('leak ***');
  });
});

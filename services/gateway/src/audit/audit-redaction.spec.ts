import { redactForAudit } from './audit-redaction.js';

describe('redactForAudit', () => {
  it('removes secret-looking keys at any depth and keeps credential references', () => {
    const out = redactForAudit({
      name: 'pub',
      password: 'hunter2',
      credential: { kind: 'env', user: 'postgres', passwordEnv: 'PG_PW', secret: 's' },
      nested: [{ apiToken: 't', ok: 1 }],
      headers: { Authorization: 'Bearer x', Cookie: 'sid=1' },
    });
    expect(out).toEqual({
      name: 'pub',
      password: '[redacted]',
      credential: { kind: 'env', user: 'postgres', passwordEnv: 'PG_PW', secret: '[redacted]' },
      nested: [{ apiToken: '[redacted]', ok: 1 }],
      headers: { Authorization: '[redacted]', Cookie: '[redacted]' },
    });
    expect(JSON.stringify(out)).not.toMatch(/hunter2|Bearer x|sid=1/);
  });

  it('keeps SQL scripts as a digest, cuts long strings and bounds depth', () => {
    const out = redactForAudit({ sql: "ALTER ROLE app PASSWORD 'p4ss';", note: 'x'.repeat(3000) }) as Record<
      string,
      unknown
    >;
    expect(out.sql).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 31 });
    expect(String(out.note)).toMatch(/…\(3000 chars\)$/);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10; i++) deep = { d: deep };
    expect(JSON.stringify(redactForAudit(deep))).toContain('[…]');
    expect(redactForAudit(Buffer.from('SELECT 1'))).toEqual({ sha256: expect.any(String), bytes: 8 });
    expect(redactForAudit(null)).toBeNull();
    expect(redactForAudit(Array.from({ length: 150 }, (_, i) => i))).toHaveLength(100);
  });
});

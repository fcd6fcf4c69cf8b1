import { createServer, type Server, type Socket } from 'node:net';

import type { CredentialRef, PgCause } from '@prm/contracts';
import { freePort, startCluster, type PgCluster } from '@prm/testing';
import { jest } from '@jest/globals';

import { checkEndpoint } from './check.js';
import { openClient, type CredentialResolver, type EndpointConnectionSpec } from './connect.js';
import { PgConnectError } from './errors.js';
import { quoteIdent, quoteLiteral } from './quote.js';

/** A password full of characters that break naive conninfo/URI handling. */
const PASSWORD = `s3cr"et' p@ss/w%rd=\\;é`;
const WRONG = `wr0ng' p@ss=\\%`;
const envRef: CredentialRef = { kind: 'env', user: 'postgres', passwordEnv: 'PGPASSWORD_TEST' };

function staticResolver(user: string, password: string): CredentialResolver {
  return { resolve: async () => ({ user, password }) };
}

async function connectCause(spec: EndpointConnectionSpec, resolver: CredentialResolver, connectTimeoutMs = 5000) {
  const err = await openClient(spec, resolver, { applicationName: 'prm-test', connectTimeoutMs }).then(
    (c) => c.end().then(() => null),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PgConnectError);
  return (err as PgConnectError).pgCause;
}

function expectNoSecret(cause: PgCause): void {
  for (const s of [PASSWORD, WRONG, encodeURIComponent(PASSWORD), encodeURIComponent(WRONG)]) {
    expect(cause.message).not.toContain(s);
    expect(cause.remedy).not.toContain(s);
  }
}

describe('openClient / checkEndpoint against PostgreSQL 17 (scram-sha-256)', () => {
  let cluster: PgCluster;
  let spec: EndpointConnectionSpec;

  beforeAll(async () => {
    cluster = await startCluster({
      engine: 'pg17',
      name: 'libpg',
      password: PASSWORD,
      hbaOnlyDatabases: ['postgres', 'appdb', 'nodb'],
    });
    await cluster.createDatabase('appdb');
    await cluster.createDatabase('nohba');
    await cluster.query(`CREATE ROLE mon LOGIN PASSWORD ${quoteLiteral(PASSWORD)} IN ROLE pg_monitor`);
    await cluster.query(`CREATE ROLE repl LOGIN REPLICATION PASSWORD ${quoteLiteral(PASSWORD)}`);
    spec = { host: cluster.host, port: cluster.port, dbname: 'appdb', sslmode: 'disable', credential: envRef };
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('a good login reports version, wal_level=logical, RTT and the role capabilities', async () => {
    const r = await checkEndpoint(spec, staticResolver('postgres', PASSWORD));
    console.log('checkEndpoint(pg17, postgres):', JSON.stringify(r));
    expect(r).toMatchObject({ ok: true, walLevel: 'logical', canMonitor: true, canReplicate: true, error: null });
    expect(r.serverVersionNum).toBe(cluster.version);
    expect(r.serverVersion).toMatch(/^17\./);
    expect(r.rttMs).toBeGreaterThan(0);
    expect(r.rttMs).toBeLessThan(1000);

    const mon = await checkEndpoint(spec, staticResolver('mon', PASSWORD));
    expect(mon).toMatchObject({ ok: true, canMonitor: true, canReplicate: false });
    const repl = await checkEndpoint(spec, staticResolver('repl', PASSWORD));
    expect(repl).toMatchObject({ ok: true, canMonitor: false, canReplicate: true });
  });

  it('sets application_name, statement_timeout and lock_timeout at startup', async () => {
    const client = await openClient(spec, staticResolver('postgres', PASSWORD), {
      applicationName: 'prm-monitor',
      statementTimeoutMs: 4000,
    });
    try {
      const { rows } = await client.query(
        `SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS st,
                current_setting('lock_timeout') AS lt`,
      );
      expect(rows[0]).toEqual({ app: 'prm-monitor', st: '4s', lt: '1s' });
      const own = await client.query(`SELECT 1 AS ${quoteIdent('Ünïcode "col"')}`);
      expect(own.fields[0].name).toBe('Ünïcode "col"');
    } finally {
      await client.end();
    }
  });

  it('wrong password → auth-failed (28P01), without the password in the message', async () => {
    const cause = await connectCause(spec, staticResolver('postgres', WRONG));
    expect(cause).toMatchObject({ code: 'auth-failed', sqlstate: '28P01' });
    expectNoSecret(cause);
    const viaCheck = await checkEndpoint(spec, staticResolver('postgres', WRONG));
    expect(viaCheck).toMatchObject({ ok: false, rttMs: null, error: { code: 'auth-failed' } });
  });

  it('re-reads a rotated Secrets Manager secret once after a failed login', async () => {
    const invalidate = jest.fn();
    let stale = true;
    const resolver: CredentialResolver = {
      resolve: async () => ({ user: 'postgres', password: stale ? WRONG : PASSWORD }),
      invalidate: () => {
        invalidate();
        stale = false;
      },
    };
    const secretSpec = { ...spec, credential: { kind: 'aws-secret' as const, secretArn: 'arn:aws:secretsmanager:x' } };
    const client = await openClient(secretSpec, resolver, { applicationName: 'prm-test' });
    await client.end();
    expect(invalidate).toHaveBeenCalledTimes(1);
  });

  it('unknown database → unknown-database (3D000)', async () => {
    const cause = await connectCause({ ...spec, dbname: 'nodb' }, staticResolver('postgres', PASSWORD));
    expect(cause).toMatchObject({ code: 'unknown-database', sqlstate: '3D000' });
    expectNoSecret(cause);
  });

  it('no pg_hba.conf entry → no-pg-hba-entry naming the line to add', async () => {
    const cause = await connectCause({ ...spec, dbname: 'nohba' }, staticResolver('postgres', PASSWORD));
    expect(cause).toMatchObject({ code: 'no-pg-hba-entry', sqlstate: '28000' });
    expect(cause.remedy).toContain('"host nohba postgres 127.0.0.1/32 scram-sha-256"');
    expectNoSecret(cause);
  });

  it('sslmode=require on a server without TLS → tls-required; sslmode=prefer falls back to plain TCP', async () => {
    const cause = await connectCause({ ...spec, sslmode: 'require' }, staticResolver('postgres', PASSWORD));
    expect(cause.code).toBe('tls-required');
    const r = await checkEndpoint({ ...spec, sslmode: 'prefer' }, staticResolver('postgres', PASSWORD));
    expect(r.ok).toBe(true);
  });
});

describe('openClient failures that need no cluster', () => {
  const base: EndpointConnectionSpec = {
    host: '127.0.0.1',
    port: 5432,
    dbname: 'postgres',
    sslmode: 'disable',
    credential: envRef,
  };

  it('refused port → connection-refused', async () => {
    const port = await freePort();
    const cause = await connectCause({ ...base, port }, staticResolver('postgres', PASSWORD));
    expect(cause.code).toBe('connection-refused');
    expect(cause.message).toContain(`127.0.0.1:${port}`);
    expectNoSecret(cause);
  });

  it('unresolvable host → dns-failure', async () => {
    const cause = await connectCause({ ...base, host: 'no-such-host.invalid' }, staticResolver('postgres', PASSWORD));
    expect(cause.code).toBe('dns-failure');
    expect(cause.message).toContain('no-such-host.invalid');
  });

  describe('a server that accepts and never answers', () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    });

    it('→ timeout within the deadline, and the socket is released', async () => {
      const started = Date.now();
      const cause = await connectCause({ ...base, port }, staticResolver('postgres', PASSWORD), 300);
      const took = Date.now() - started;
      expect(cause.code).toBe('timeout');
      expect(took).toBeLessThan(1500);
      const r = await checkEndpoint({ ...base, port }, staticResolver('postgres', PASSWORD), { connectTimeoutMs: 300 });
      expect(r).toMatchObject({ ok: false, error: { code: 'timeout' } });
    });
  });

  describe('machine PostgreSQL 15 (trust auth on 127.0.0.1:5432)', () => {
    it('unknown role → unknown-role (28000)', async () => {
      const cause = await connectCause(base, staticResolver('no_such_role_prm', PASSWORD));
      expect(cause).toMatchObject({ code: 'unknown-role', sqlstate: '28000' });
    });

    it('checkEndpoint reads a PG15 server', async () => {
      const r = await checkEndpoint(base, staticResolver('postgres', ''));
      expect(r).toMatchObject({ ok: true, canMonitor: true, canReplicate: true });
      expect(r.serverVersionNum).toBeGreaterThanOrEqual(150000);
      expect(r.serverVersionNum).toBeLessThan(160000);
    });
  });
});

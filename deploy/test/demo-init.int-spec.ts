import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expectEventually, hasSystemPg15, startCluster, type PgCluster } from '@prm/testing';

// docker-compose.yml's demo-init, run for real against three harness clusters (publisher 17, replica-a 15 when the
// system binaries exist, replica-b 17) instead of the compose containers: schema, seed, role, publications and
// subscriptions, then rows copied to both replicas; a second run changes nothing (idempotent).
const script = fileURLToPath(new URL('../compose/demo-init.sh', import.meta.url));

function runInit(env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      [script],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 },
      (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

describe('deploy/compose/demo-init.sh on real PostgreSQL', () => {
  const superuserPassword = randomBytes(9).toString('hex');
  const replicatorPassword = randomBytes(9).toString('hex');
  let pub: PgCluster;
  let replicaA: PgCluster;
  let replicaB: PgCluster;
  let env: Record<string, string>;

  beforeAll(async () => {
    [pub, replicaA, replicaB] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'compose-pub', password: superuserPassword }),
      startCluster({ engine: hasSystemPg15() ? 'pg15' : 'pg17', name: 'compose-a', password: superuserPassword }),
      startCluster({ engine: 'pg17', name: 'compose-b', password: superuserPassword }),
    ]);
    await Promise.all([pub, replicaA, replicaB].map((c) => c.createDatabase('demo')));
    env = {
      PGPASSWORD: superuserPassword,
      PRM_DEMO_DB_PASSWORD: replicatorPassword,
      DEMO_PUBLISHER_HOST: pub.host,
      DEMO_PUBLISHER_PORT: String(pub.port),
      DEMO_REPLICA_A_HOST: replicaA.host,
      DEMO_REPLICA_A_PORT: String(replicaA.port),
      DEMO_REPLICA_B_HOST: replicaB.host,
      DEMO_REPLICA_B_PORT: String(replicaB.port),
    };
  });

  afterAll(async () => {
    await Promise.all([pub, replicaA, replicaB].map((c) => c?.destroy()));
  });

  it('creates publications and subscriptions that copy the seeded rows, and is safe to run twice', async () => {
    const first = await runInit(env);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain('replica_a_sub');
    expect(first.out).not.toContain(replicatorPassword);

    const pubs = await pub.query<{ pubname: string; tables: string }>(
      `SELECT pubname, string_agg(tablename, ',' ORDER BY tablename) AS tables FROM pg_publication_tables
       GROUP BY pubname ORDER BY pubname`,
      [],
      'demo',
    );
    expect(pubs).toEqual([
      { pubname: 'demo_pub', tables: 'customers,orders' },
      { pubname: 'demo_pub_small', tables: 'customers' },
    ]);
    const count = (c: PgCluster, table: string) =>
      c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`, [], 'demo').then((r) => r[0]!.n);
    await expectEventually(
      async () => {
        expect(await count(replicaA, 'customers')).toBe('1000');
        expect(await count(replicaA, 'orders')).toBe('5000');
        expect(await count(replicaB, 'customers')).toBe('1000');
      },
      { timeoutMs: 30_000 },
    );
    expect(await count(replicaB, 'orders')).toBe('0'); // demo_pub_small carries customers only

    const second = await runInit(env);
    expect(second.code).toBe(0);
    expect(await count(pub, 'customers')).toBe('1000');
    const subs = await replicaA.query<{ subname: string }>('SELECT subname FROM pg_subscription', [], 'demo');
    expect(subs).toEqual([{ subname: 'replica_a_sub' }]);
    const slots = await pub.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_replication_slots');
    expect(slots[0]!.n).toBe('2');
  });

  it('refuses to start without the passwords', async () => {
    const r = await runInit({ ...env, PRM_DEMO_DB_PASSWORD: '' });
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('PRM_DEMO_DB_PASSWORD is required');
  });
});

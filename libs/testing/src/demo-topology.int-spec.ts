import { existsSync } from 'node:fs';

import { hasSystemPg15 } from './cluster/index.js';
import { DEMO_PASSWORD_ENV, startDemoTopology, startDemoTraffic, type DemoTopology } from './demo-topology.js';
import { expectEventually } from './expect-eventually.js';

describe('startDemoTopology (small dataset)', () => {
  let topo: DemoTopology;
  const lines: string[] = [];

  beforeAll(async () => {
    topo = await startDemoTopology({
      datasetRows: 20_000,
      password: 'demo-secret',
      waitForSync: true,
      syncTimeoutMs: 60_000,
      log: (line) => lines.push(line),
    });
    console.log(`demo topology timings: ${JSON.stringify(topo.timings)}\n${lines.join('\n')}`);
  });

  afterAll(async () => {
    await topo?.stop();
  });

  it('runs replica-a on PostgreSQL 15 when the system has it, the others on 17', () => {
    expect(Math.floor(topo.publisher.version / 10000)).toBe(17);
    expect(Math.floor(topo.replicaA.version / 10000)).toBe(hasSystemPg15() ? 15 : 17);
    expect(Math.floor(topo.replicaB.version / 10000)).toBe(17);
    expect(topo.publisher.password).toBe('demo-secret');
  });

  it('copies every table to replica-a and only the small tables to replica-b', async () => {
    const count = async (c: DemoTopology['publisher'], table: string) =>
      Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`, [], 'demo'))[0].n);
    expect(await count(topo.replicaA, 'pgbench_accounts')).toBe(20_000);
    expect(await count(topo.replicaA, 'orders')).toBe(await count(topo.publisher, 'orders'));
    expect(await count(topo.replicaB, 'customers')).toBe(1000);
    expect(await count(topo.replicaB, 'pgbench_accounts')).toBe(0);
    const subs = await topo.replicaB.query<{ subname: string; subenabled: boolean }>(
      'SELECT subname, subenabled FROM pg_subscription',
      [],
      'demo',
    );
    expect(subs).toEqual([{ subname: 'replica_b_sub', subenabled: true }]);
  });

  it('describes the endpoints for POST /api/endpoints without the password', () => {
    expect(topo.endpoints.map((e) => [e.name, e.role, e.cloud, e.network])).toEqual([
      ['publisher', 'primary', 'aws', 'vpc-demo-a'],
      ['replica-a', 'replica', 'gcp', 'vpc-demo-b'],
      ['replica-b', 'replica', 'aws', 'vpc-demo-c'],
    ]);
    expect(topo.endpoints[0]).toMatchObject({ host: '127.0.0.1', port: topo.publisher.port, dbname: 'demo' });
    expect(topo.endpoints[1].credential).toEqual({ kind: 'env', user: 'postgres', passwordEnv: DEMO_PASSWORD_ENV });
    expect(JSON.stringify(topo.endpoints)).not.toContain('demo-secret');
  });

  it('streams traffic from the publisher to both replicas', async () => {
    const traffic = startDemoTraffic(topo, { intervalMs: 20 });
    const before = Number(
      (await topo.replicaB.query<{ n: string }>('SELECT count(*) AS n FROM orders', [], 'demo'))[0].n,
    );
    await expectEventually(async () => {
      const [{ n }] = await topo.replicaB.query<{ n: string }>('SELECT count(*) AS n FROM orders', [], 'demo');
      expect(Number(n)).toBeGreaterThanOrEqual(before + 3);
    });
    await traffic.stop();
    expect(traffic.transactions).toBeGreaterThanOrEqual(3);
    const [pub] = await topo.publisher.query<{ s: string }>(
      'SELECT sum(abalance)::text AS s FROM pgbench_accounts',
      [],
      'demo',
    );
    await expectEventually(async () => {
      const [sub] = await topo.replicaA.query<{ s: string }>(
        'SELECT sum(abalance)::text AS s FROM pgbench_accounts',
        [],
        'demo',
      );
      expect(sub.s).toBe(pub.s);
    });
  });

  it('removes the data directories on stop', async () => {
    const dirs = Object.values(topo.clusters).map((c) => c.dataDir);
    await topo.stop();
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  });
});

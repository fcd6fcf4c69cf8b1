import { type EndpointView } from '@prm/contracts';
import { discoveryStatementName, runDiscovery } from '@prm/pg';
import { createTestDatabase, type TestDatabase } from '@prm/testing';

import { EndpointConnectionManager } from './endpoint-connection.manager.js';

/**
 * The discovery statement as a prepared statement of the monitor's session, on the machine's PostgreSQL: kept
 * across polls, and given up for unprepared statements when the server loses it (as behind a transaction pooler).
 */
describe('discovery as a prepared statement of the monitor session (real PostgreSQL)', () => {
  let db: TestDatabase;
  let endpoint: EndpointView;
  const manager = new EndpointConnectionManager({ resolve: async () => ({ user: 'postgres', password: 'unused' }) });
  const prepared = (): Promise<string[]> =>
    manager.run(endpoint, async (conn) =>
      (await conn.query('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map(
        (r) => (r as { name: string }).name,
      ),
    );

  beforeAll(async () => {
    db = await createTestDatabase('prm_test_prepared');
    const url = new URL(db.url);
    endpoint = {
      id: 'e-prepared',
      name: 'prepared',
      host: url.hostname,
      port: Number(url.port || 5432),
      dbname: db.name,
      sslmode: 'disable',
      cloud: 'aws',
      region: 'local',
      network: 'loopback',
      role: 'primary',
      credential: { kind: 'env', user: 'postgres', passwordEnv: 'UNUSED' },
      logSource: { kind: 'none' },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
  });
  afterAll(async () => {
    manager.closeAll();
    await db?.drop();
  });

  it('prepares the statement once per session and reuses it on every poll', async () => {
    const first = await manager.run(endpoint, (conn) => runDiscovery(conn, conn.serverVersionNum));
    const version = first.serverVersionNum;
    expect(await prepared()).toEqual([discoveryStatementName(version)]);
    const second = await manager.run(endpoint, (conn) => runDiscovery(conn, conn.serverVersionNum));
    expect(second.database).toBe(db.name);
    expect(Date.parse(second.serverTime)).toBeGreaterThanOrEqual(Date.parse(first.serverTime));
    expect(await prepared()).toEqual([discoveryStatementName(version)]);
  });

  it('falls back to unprepared statements for good when the server no longer holds it (26000), without failing', async () => {
    await manager.run(endpoint, (conn) => conn.query('DEALLOCATE ALL')); // the pooler switched server sessions
    const result = await manager.run(endpoint, (conn) => runDiscovery(conn, conn.serverVersionNum));
    expect(result.database).toBe(db.name);
    expect(manager.state(endpoint.id)).toMatchObject({ connected: true, failures: 0 });
    await manager.run(endpoint, (conn) => runDiscovery(conn, conn.serverVersionNum));
    expect(await prepared()).toEqual([]); // not prepared again on this session
  });
});

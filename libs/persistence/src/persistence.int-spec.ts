import type { EndpointStatus } from '@prm/contracts';
import { type TestDatabase, createTestDatabase } from '@prm/testing';
import type { DataSource } from 'typeorm';
import { ensureDatabase, openMetadataStore, runMigrations } from './data-source.js';
import { EndpointStatusRepository } from './repositories/endpoint-status.repository.js';
import { DuplicateEndpointNameError, EndpointRepository, toEndpointView } from './repositories/endpoint.repository.js';

describe('metadata store (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let endpoints: EndpointRepository;
  let statuses: EndpointStatusRepository;

  beforeAll(async () => {
    db = await createTestDatabase('prm_test_persist');
    await db.drop(); // openMetadataStore must create it
    ds = await openMetadataStore(db.url);
    endpoints = new EndpointRepository(ds);
    statuses = new EndpointStatusRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const fields = (name: string) => ({
    name,
    host: '127.0.0.1',
    port: 5432,
    dbname: 'app',
    sslmode: 'require' as const,
    cloud: 'aws' as const,
    region: 'us-east-1',
    network: null,
    role: 'replica' as const,
    credential: { kind: 'aws-secret' as const, secretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x' },
  });

  const status = (endpointId: string): EndpointStatus => ({
    endpointId,
    reachability: 'reachable',
    rttMs: 1.5,
    serverVersion: '17.1',
    serverVersionNum: 170001,
    walLevel: 'logical',
    serverTime: new Date().toISOString(),
    walLsn: '0/16B3748',
    lastError: null,
    lastSeenAt: new Date().toISOString(),
    checkedAt: new Date().toISOString(),
    consecutiveFailures: 0,
    publications: [],
    subscriptions: [],
    slots: [],
  });

  it('creates the database, applies migrations once and records them', async () => {
    expect(await runMigrations(ds)).toEqual([]); // already applied by openMetadataStore
    await ensureDatabase(db.url); // exists: no-op
    const rows = await ds.query('SELECT name FROM migrations ORDER BY id');
    // every area's migration, once each, in timestamp order (the initial schema first)
    const names = rows.map((r: { name: string }) => r.name);
    expect(names[0]).toBe('InitialSchema1764400000000');
    expect(names).toContain('Streams1764500000000');
    expect(new Set(names).size).toBe(names.length);
    const stamps = names.map((n: string) => Number(/(\d{13})$/.exec(n)?.[1]));
    expect(stamps).toEqual([...stamps].sort((x, y) => x - y));
  });

  it('stores endpoints with a unique name and maps them to the API shape', async () => {
    const a = await endpoints.insert(fields('alpha'));
    await expect(endpoints.insert(fields('alpha'))).rejects.toBeInstanceOf(DuplicateEndpointNameError);
    const view = toEndpointView(a);
    expect(view).toMatchObject({ name: 'alpha', credential: fields('alpha').credential });
    expect(typeof view.createdAt).toBe('string');
    const b = await endpoints.insert(fields('beta'));
    await expect(endpoints.update(b.id, { name: 'alpha' })).rejects.toBeInstanceOf(DuplicateEndpointNameError);
    expect((await endpoints.update(b.id, { port: 6543 }))?.port).toBe(6543);
    expect(await endpoints.update('00000000-0000-0000-0000-000000000000', { port: 1 })).toBeNull();
    expect((await endpoints.findAll()).map((e) => e.name)).toEqual(['alpha', 'beta']);
  });

  it('upserts the latest status and drops it with its endpoint', async () => {
    const [a] = await endpoints.findAll();
    await statuses.upsert(status(a.id));
    await statuses.upsert({ ...status(a.id), rttMs: 9 });
    expect((await statuses.findByEndpoint(a.id))?.rttMs).toBe(9);
    expect(await statuses.findAll()).toHaveLength(1);
    // a status racing a delete is dropped, not an FK error
    await statuses.upsert(status('00000000-0000-0000-0000-000000000000'));
    expect(await endpoints.delete(a.id)).toBe(true);
    expect(await endpoints.delete(a.id)).toBe(false);
    expect(await statuses.findByEndpoint(a.id)).toBeNull();
  });
});

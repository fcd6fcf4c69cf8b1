import { type TestDatabase, createTestDatabase } from '@prm/testing';
import type { DataSource } from 'typeorm';

import { openMetadataStore } from '../data-source.js';
import { EndpointRepository, toEndpointView } from '../repositories/endpoint.repository.js';
import { LogCursorRepository } from './log-cursor.repository.js';
import { type NewReplicationError, ReplicationErrorRepository } from './replication-error.repository.js';

describe('replication_error, log_cursor and endpoint.log_source (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let errors: ReplicationErrorRepository;
  let cursors: LogCursorRepository;
  let endpoints: EndpointRepository;
  let subId: string;
  let streamId: string;

  const error = (over: Partial<NewReplicationError> = {}): NewReplicationError => ({
    endpointId: subId,
    streamId: null,
    subscriptionName: 'sub_a',
    at: '2026-11-29T15:25:17.590Z',
    severity: 'ERROR',
    sqlstate: '23505',
    message: 'duplicate key value violates unique constraint "t2_pkey"',
    detail: 'Key (id)=(5000) already exists.',
    context: 'processing remote data ... finished at 0/14E0EB0',
    source: 'logical replication apply worker',
    pid: 10546,
    table: 'public.t2',
    finishLsn: '0/14E0EB0',
    constraintName: 't2_pkey',
    key: '(id)=(5000)',
    ...over,
  });

  beforeAll(async () => {
    db = await createTestDatabase('prm_test_replication_errors');
    ds = await openMetadataStore(db.url);
    errors = new ReplicationErrorRepository(ds);
    cursors = new LogCursorRepository(ds);
    endpoints = new EndpointRepository(ds);
    const sub = await endpoints.insert({
      name: 'sub',
      host: '127.0.0.1',
      port: 5002,
      dbname: 'app',
      sslmode: 'disable',
      cloud: 'other',
      region: null,
      network: null,
      role: 'replica',
      credential: { kind: 'env', user: 'u', passwordEnv: 'P' },
    });
    subId = sub.id;
    [{ id: streamId }] = (await ds.query(
      `INSERT INTO stream (target_endpoint_id, subscription_name) VALUES ($1, 'sub_a') RETURNING id`,
      [subId],
    )) as { id: string }[];
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('defaults endpoint.log_source to none and stores a configured one', async () => {
    const found = await endpoints.findById(subId);
    expect(toEndpointView(found!).logSource).toEqual({ kind: 'none' });
    const updated = await endpoints.update(subId, {
      logSource: { kind: 'file', path: '/var/log/pg/postgresql.json', format: 'jsonlog' },
    });
    expect(toEndpointView(updated!).logSource).toEqual({
      kind: 'file',
      path: '/var/log/pg/postgresql.json',
      format: 'jsonlog',
    });
  });

  it('inserts errors once (re-reads deduplicated), lists them newest first and attaches them to the stream', async () => {
    const first = [error(), error({ at: '2026-11-29T15:25:18.600Z', pid: 10600 })];
    expect(await errors.insertMany(first)).toBe(2);
    expect(
      await errors.insertMany([...first, error({ at: '2026-11-29T15:25:19.000Z', subscriptionName: 'other' })]),
    ).toBe(1);
    expect(await errors.insertMany([])).toBe(0);
    expect(await errors.listForStream(streamId)).toEqual([]);
    expect(await errors.latestAtForStream(streamId)).toBeNull();

    expect((await errors.unattachedSubscriptions(subId)).sort()).toEqual(['other', 'sub_a']);
    expect(await errors.attach(subId, 'sub_a', streamId)).toBe(2);
    expect(await errors.unattachedSubscriptions(subId)).toEqual(['other']);
    expect(await errors.attach(subId, 'sub_a', streamId)).toBe(0);
    const listed = await errors.listForStream(streamId);
    expect(listed.map((e) => e.at)).toEqual(['2026-11-29T15:25:18.600Z', '2026-11-29T15:25:17.590Z']);
    expect(listed[1]).toMatchObject({
      endpointId: subId,
      streamId,
      subscription: 'sub_a',
      sqlstate: '23505',
      table: 'public.t2',
      finishLsn: '0/14E0EB0',
      constraintName: 't2_pkey',
      key: '(id)=(5000)',
      source: 'logical replication apply worker',
    });
    expect(await errors.latestAtForStream(streamId)).toBe('2026-11-29T15:25:18.600Z');
    expect(await errors.latestAtByStream([streamId])).toEqual(new Map([[streamId, '2026-11-29T15:25:18.600Z']]));
    expect(await errors.latestAtByStream([])).toEqual(new Map());
    expect((await errors.listForEndpoint(subId, 2)).map((e) => e.subscription)).toEqual(['other', 'sub_a']);

    await ds.query('DELETE FROM stream WHERE id = $1', [streamId]);
    expect((await errors.listForEndpoint(subId)).every((e) => e.streamId === null)).toBe(true);
    expect(await errors.deleteOlderThan('2026-11-29T15:25:18.000Z')).toBe(1);
  });

  it('saves, replaces and resets a log cursor; ignores a deleted endpoint', async () => {
    expect(await cursors.get(subId)).toBeNull();
    await cursors.save(subId, 'file', { offset: 10, inode: 5 });
    await cursors.save(subId, 'file', { offset: 20, inode: 5 });
    expect(await cursors.get(subId)).toMatchObject({
      endpointId: subId,
      kind: 'file',
      position: { offset: 20, inode: 5 },
    });
    await cursors.reset(subId);
    expect(await cursors.get(subId)).toBeNull();
    await cursors.save('00000000-0000-0000-0000-000000000000', 'file', {});
    expect(await cursors.get('00000000-0000-0000-0000-000000000000')).toBeNull();
  });
});

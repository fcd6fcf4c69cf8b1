import { type TestDatabase, createTestDatabase } from '@prm/testing';
import type { DataSource } from 'typeorm';

import { openMetadataStore } from '../data-source.js';
import { EndpointRepository } from '../repositories/endpoint.repository.js';
import { DEFAULT_GLOBAL_THRESHOLDS } from './1764500000000-streams.js';
import { MetricSampleRepository } from './metric-sample.repository.js';
import { StreamStatusRepository } from './stream-status.repository.js';
import { StreamRepository } from './stream.repository.js';
import { ThresholdRepository } from './threshold.repository.js';
import { WalSampleRepository } from './wal-sample.repository.js';

describe('stream monitoring tables (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let streams: StreamRepository;
  let statuses: StreamStatusRepository;
  let wal: WalSampleRepository;
  let metrics: MetricSampleRepository;
  let thresholds: ThresholdRepository;
  let pubId: string;
  let subId: string;

  beforeAll(async () => {
    db = await createTestDatabase('prm_test_streams');
    ds = await openMetadataStore(db.url);
    streams = new StreamRepository(ds);
    statuses = new StreamStatusRepository(ds);
    wal = new WalSampleRepository(ds);
    metrics = new MetricSampleRepository(ds);
    thresholds = new ThresholdRepository(ds);
    const endpoints = new EndpointRepository(ds);
    const base = {
      host: '127.0.0.1',
      dbname: 'app',
      sslmode: 'disable' as const,
      cloud: 'other' as const,
      region: null,
      network: null,
      credential: { kind: 'env' as const, user: 'u', passwordEnv: 'P' },
    };
    pubId = (await endpoints.insert({ ...base, name: 'pub', port: 5001, role: 'primary' })).id;
    subId = (await endpoints.insert({ ...base, name: 'sub', port: 5002, role: 'replica' })).id;
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('upserts discovered streams (id and origin kept), lists by endpoint, deletes vanished ones', async () => {
    const [s1, s2] = await streams.upsertDiscovered(subId, [
      { subscriptionName: 'sub_a', sourceEndpointId: pubId, publications: ['p1'], slotName: 'sub_a' },
      { subscriptionName: 'sub_b', sourceEndpointId: null, publications: ['p2', 'p3'], slotName: null },
    ]);
    expect(s1).toMatchObject({ subscriptionName: 'sub_a', sourceEndpointId: pubId, origin: 'discovered' });
    await ds.query(`UPDATE stream SET origin = 'provisioned' WHERE id = $1`, [s1.id]);
    const [again] = await streams.upsertDiscovered(subId, [
      { subscriptionName: 'sub_a', sourceEndpointId: pubId, publications: ['p1', 'p9'], slotName: 'sub_a' },
    ]);
    expect(again).toMatchObject({ id: s1.id, origin: 'provisioned', publications: ['p1', 'p9'] });
    // an unknown source endpoint id is stored as null rather than failing the FK
    const [s3] = await streams.upsertDiscovered(subId, [
      {
        subscriptionName: 'sub_c',
        sourceEndpointId: '00000000-0000-0000-0000-000000000000',
        publications: [],
        slotName: null,
      },
    ]);
    expect(s3.sourceEndpointId).toBeNull();
    expect((await streams.listTouching(pubId)).map((s) => s.id)).toEqual([s1.id]);
    expect((await streams.listTouching(subId)).map((s) => s.subscriptionName)).toEqual(['sub_a', 'sub_b', 'sub_c']);
    expect(await streams.findByTarget(subId, 'sub_b')).toMatchObject({ id: s2.id, publications: ['p2', 'p3'] });
    expect(await streams.deleteVanished(subId, ['sub_a', 'sub_c'])).toEqual([s2.id]);
    expect(await streams.get(s2.id)).toBeNull();
    expect((await streams.list()).map((s) => s.subscriptionName)).toEqual(['sub_a', 'sub_c']);
    await streams.deleteVanished(subId, ['sub_a']);
  });

  it('stores one status per stream and drops a status of a deleted stream', async () => {
    const s = (await streams.findByTarget(subId, 'sub_a'))!;
    const detail = { id: s.id, state: 'streaming' } as never;
    await statuses.save({ streamId: s.id, detail, tracking: { a: 1 }, updatedAt: '2026-01-01T00:00:00.000Z' });
    await statuses.save({ streamId: s.id, detail, tracking: { a: 2 }, updatedAt: '2026-01-01T00:00:01.000Z' });
    expect(await statuses.get(s.id)).toEqual({
      streamId: s.id,
      detail,
      tracking: { a: 2 },
      updatedAt: '2026-01-01T00:00:01.000Z',
    });
    expect(await statuses.list([s.id])).toHaveLength(1);
    await statuses.save({
      streamId: '00000000-0000-0000-0000-000000000001',
      detail,
      tracking: {},
      updatedAt: new Date().toISOString(),
    });
    expect(await statuses.list()).toHaveLength(1);
  });

  it('WAL samples: insert only when the LSN moved; earliest sample beyond an LSN; purge keeps the newest', async () => {
    expect(await wal.insertIfChanged(pubId, '2026-01-01T00:00:00Z', '0/1000')).toBe(true);
    expect(await wal.insertIfChanged(pubId, '2026-01-01T00:00:01Z', '0/1000')).toBe(false);
    expect(await wal.insertIfChanged(pubId, '2026-01-01T00:00:02Z', '0/2000')).toBe(true);
    expect(await wal.insertIfChanged(pubId, '2026-01-01T00:00:03Z', '0/A000')).toBe(true);
    expect(await wal.earliestAfter(pubId, '0/1000')).toEqual({ sampledAt: '2026-01-01T00:00:02.000Z', lsn: '0/2000' });
    expect(await wal.earliestAfter(pubId, '0/1FFF')).toEqual({ sampledAt: '2026-01-01T00:00:02.000Z', lsn: '0/2000' });
    expect(await wal.earliestAfter(pubId, '0/A000')).toBeNull();
    expect(await wal.latest(pubId)).toEqual({ sampledAt: '2026-01-01T00:00:03.000Z', lsn: '0/A000' });
    expect(await wal.purgeOlderThan(new Date('2030-01-01T00:00:00Z'))).toBe(2);
    expect(await wal.latest(pubId)).toEqual({ sampledAt: '2026-01-01T00:00:03.000Z', lsn: '0/A000' });
    expect(await wal.insertIfChanged('00000000-0000-0000-0000-000000000002', '2026-01-01T00:00:00Z', '0/1')).toBe(
      false,
    );
  });

  it('metric series: bucketed by step with the max per bucket, range [from, to), purge', async () => {
    const s = (await streams.findByTarget(subId, 'sub_a'))!;
    const at = (sec: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, sec)).toISOString();
    await metrics.insert({ streamId: s.id, sampledAt: at(1), lagBytes: 100, lagSeconds: 1, backfillPercent: null });
    await metrics.insert({ streamId: s.id, sampledAt: at(5), lagBytes: 300, lagSeconds: 0.5, backfillPercent: 40 });
    await metrics.insert({
      streamId: s.id,
      sampledAt: at(12),
      lagBytes: 5_000_000_000,
      lagSeconds: 9,
      backfillPercent: 60,
    });
    await metrics.insert({ streamId: s.id, sampledAt: at(25), lagBytes: 0, lagSeconds: 0, backfillPercent: null });
    expect(await metrics.series(s.id, new Date(at(0)), new Date(at(25)), 10)).toEqual([
      { at: at(0), lagBytes: 300, lagSeconds: 1, backfillPercent: 40 },
      { at: at(10), lagBytes: 5_000_000_000, lagSeconds: 9, backfillPercent: 60 },
    ]);
    expect(await metrics.series(s.id, new Date(at(0)), new Date(at(60)), 60)).toEqual([
      { at: at(0), lagBytes: 5_000_000_000, lagSeconds: 9, backfillPercent: 60 },
    ]);
    await expect(metrics.series(s.id, new Date(at(0)), new Date(at(1)), 0)).rejects.toThrow(RangeError);
    expect(await metrics.purgeOlderThan(new Date(at(12)))).toBe(2);
    expect(await metrics.series(s.id, new Date(at(0)), new Date(at(60)), 1)).toHaveLength(2);
  });

  it('thresholds: seeded global defaults, whole-row per-stream override, delete falls back', async () => {
    const s = (await streams.findByTarget(subId, 'sub_a'))!;
    expect(await thresholds.getGlobal()).toEqual(DEFAULT_GLOBAL_THRESHOLDS);
    expect(await thresholds.effective(s.id)).toEqual({ thresholds: DEFAULT_GLOBAL_THRESHOLDS, overridden: false });
    const own = { warningBytes: 100_000, criticalBytes: 1_000_000, warningSeconds: 3, criticalSeconds: null };
    expect(await thresholds.putForStream(s.id, own)).toEqual(own);
    expect(await thresholds.getForStream(s.id)).toEqual(own);
    // a null field in the stream's row means "no threshold", not "inherit the global one"
    expect(await thresholds.effective(s.id)).toEqual({ thresholds: own, overridden: true });
    const global = { warningBytes: 1, criticalBytes: 2, warningSeconds: 3.5, criticalSeconds: 4.5 };
    expect(await thresholds.putGlobal(global)).toEqual(global);
    expect((await thresholds.effective(s.id)).thresholds).toEqual(own);
    expect(await thresholds.deleteForStream(s.id)).toBe(true);
    expect(await thresholds.deleteForStream(s.id)).toBe(false);
    expect(await thresholds.effective(s.id)).toEqual({ thresholds: global, overridden: false });
    expect(await thresholds.putForStream('00000000-0000-0000-0000-000000000003', own)).toBeNull();
    await expect(thresholds.putGlobal({ ...global, warningBytes: -1 })).rejects.toThrow(/check constraint/);
    expect((await ds.query('SELECT count(*)::int AS n FROM threshold WHERE stream_id IS NULL'))[0].n).toBe(1);
    // deleting the stream cascades to its thresholds, samples and status
    await thresholds.putForStream(s.id, own);
    await streams.deleteVanished(subId, []);
    expect((await ds.query('SELECT count(*)::int AS n FROM threshold'))[0].n).toBe(1);
    expect(await statuses.list()).toEqual([]);
    await thresholds.putGlobal(DEFAULT_GLOBAL_THRESHOLDS);
  });
});

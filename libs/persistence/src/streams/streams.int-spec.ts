import { type TestDatabase, createTestDatabase } from '@prm/testing';
import type { EndpointStatus } from '@prm/contracts';
import type { DataSource } from 'typeorm';

import { openMetadataStore } from '../data-source.js';
import { EndpointRepository } from '../repositories/endpoint.repository.js';
import { EndpointStatusRepository } from '../repositories/endpoint-status.repository.js';
import { ReplicationErrorRepository } from '../replication-errors/replication-error.repository.js';
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

  it('a pause through prm: recorded, read with the stream and for derivation, cleared', async () => {
    const [s] = await streams.upsertDiscovered(subId, [
      { subscriptionName: 'sub_paused', sourceEndpointId: pubId, publications: ['p1'], slotName: 'sub_paused' },
    ]);
    expect(s).toMatchObject({ pausedAt: null, pausedBy: null });
    const at = '2026-02-01T10:00:00.000Z';
    await streams.setPaused(s.id, { at, by: 'alice (token ci)' });
    expect(await streams.get(s.id)).toMatchObject({ pausedAt: at, pausedBy: 'alice (token ci)' });
    const derivation = (await statuses.listForDerivationMany([subId])).get(subId)!;
    expect(derivation.streams.find((x) => x.stream.id === s.id)?.stream).toMatchObject({ pausedAt: at });
    // the monitor's upsert of an unchanged catalog leaves the pause alone
    await streams.upsertDiscovered(subId, [
      { subscriptionName: 'sub_paused', sourceEndpointId: pubId, publications: ['p1'], slotName: 'sub_paused' },
    ]);
    expect((await streams.get(s.id))?.pausedAt).toBe(at);
    await streams.clearPaused([s.id]);
    expect(await streams.get(s.id)).toMatchObject({ pausedAt: null, pausedBy: null });
    // a resume through prm clears it the same way
    await streams.setPaused(s.id, { at, by: 'alice (token ci)' });
    await streams.setPaused(s.id, null);
    expect(await streams.get(s.id)).toMatchObject({ pausedAt: null, pausedBy: null });
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

  describe('batched statements of the monitor (one statement per call)', () => {
    let thirdId: string;
    const count = async (sql: string, params: unknown[] = []) => (await ds.query(sql, params))[0].n as number;
    const snapshot = (endpointId: string, slots: { name: string; slotType: 'logical' | 'physical' }[]) =>
      ({
        endpointId,
        reachability: 'reachable',
        checkedAt: '2026-02-01T00:00:00.000Z',
        slots: slots.map((s) => ({ ...s, confirmedFlushLsn: '0/10' })),
        publications: [],
        subscriptions: [],
      }) as unknown as EndpointStatus;

    beforeAll(async () => {
      thirdId = (
        await new EndpointRepository(ds).insert({
          host: '127.0.0.1',
          dbname: 'app',
          sslmode: 'disable',
          cloud: 'other',
          region: null,
          network: null,
          credential: { kind: 'env', user: 'u', passwordEnv: 'P' },
          name: 'third',
          port: 5003,
          role: 'primary',
        })
      ).id;
    });

    afterEach(async () => {
      await ds.query('DELETE FROM stream');
      await ds.query('DELETE FROM endpoint_status');
      await ds.query('DELETE FROM wal_sample');
    });

    it('syncDiscovered: upserts in input order, deletes vanished ones, rewrites nothing when unchanged', async () => {
      const first = await streams.syncDiscovered(subId, [
        { subscriptionName: 'z_sub', sourceEndpointId: pubId, publications: ['p1'], slotName: 'z_sub' },
        {
          subscriptionName: 'a_sub',
          sourceEndpointId: '00000000-0000-0000-0000-000000000009',
          publications: [],
          slotName: null,
        },
        { subscriptionName: 'z_sub', sourceEndpointId: thirdId, publications: ['ignored'], slotName: null },
      ]);
      expect(first.deleted).toEqual([]);
      expect(first.stored.map((s) => [s.subscriptionName, s.sourceEndpointId, s.publications])).toEqual([
        ['z_sub', pubId, ['p1']],
        ['a_sub', null, []],
      ]);
      const version = async () =>
        (await ds.query(`SELECT xmin::text AS x, updated_at FROM stream WHERE subscription_name = 'z_sub'`))[0];
      const before = await version();

      // unchanged catalog: same rows back, no new row version
      const same = await streams.syncDiscovered(subId, [
        { subscriptionName: 'z_sub', sourceEndpointId: pubId, publications: ['p1'], slotName: 'z_sub' },
        { subscriptionName: 'a_sub', sourceEndpointId: null, publications: [], slotName: null },
      ]);
      expect(same).toEqual(first);
      expect(await version()).toEqual(before);

      // a changed row is rewritten (updated_at moves), a vanished one deleted, the provisioned origin kept
      await ds.query(`UPDATE stream SET origin = 'provisioned' WHERE subscription_name = 'z_sub'`);
      const changed = await streams.syncDiscovered(subId, [
        { subscriptionName: 'z_sub', sourceEndpointId: thirdId, publications: ['p1', 'p2'], slotName: 'z_sub' },
      ]);
      expect(changed.deleted).toEqual([first.stored[1].id]);
      expect(changed.stored).toEqual([
        expect.objectContaining({
          id: first.stored[0].id,
          origin: 'provisioned',
          sourceEndpointId: thirdId,
          publications: ['p1', 'p2'],
        }),
      ]);
      expect(Date.parse(changed.stored[0].updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.stored[0].updatedAt));
      expect((await version()).x).not.toBe(before.x);

      // an empty catalog removes every stream of the target; the other endpoint's streams stay
      await streams.upsertDiscovered(pubId, [
        { subscriptionName: 'back', sourceEndpointId: subId, publications: [], slotName: null },
      ]);
      expect((await streams.syncDiscovered(subId, [])).deleted).toEqual([first.stored[0].id]);
      expect((await streams.list()).map((s) => s.subscriptionName)).toEqual(['back']);
      // a deleted target endpoint: nothing stored
      expect(
        await streams.syncDiscovered('00000000-0000-0000-0000-00000000000a', [
          { subscriptionName: 'x', sourceEndpointId: null, publications: [], slotName: null },
        ]),
      ).toEqual({ stored: [], deleted: [] });
    });

    it('slotHolderStatuses: only the snapshots holding one of the logical slots', async () => {
      const statusRepo = new EndpointStatusRepository(ds);
      await statusRepo.upsert(snapshot(pubId, [{ name: 'sub_a', slotType: 'logical' }]));
      await statusRepo.upsert(
        snapshot(thirdId, [
          { name: 'sub_a', slotType: 'physical' },
          { name: 'x', slotType: 'logical' },
        ]),
      );
      await statusRepo.upsert(snapshot(subId, []));
      expect((await streams.slotHolderStatuses(['sub_a'])).map((s) => s.endpointId)).toEqual([pubId]);
      expect((await streams.slotHolderStatuses(['sub_a', 'x'])).map((s) => s.endpointId).sort()).toEqual(
        [pubId, thirdId].sort(),
      );
      expect(await streams.slotHolderStatuses(['nope'])).toEqual([]);
      expect(await streams.slotHolderStatuses([])).toEqual([]);
    });

    it('saveMany: statuses and samples in one statement; deleted streams dropped, a repeated stream keeps its last', async () => {
      const [s1, s2] = await streams.upsertDiscovered(subId, [
        { subscriptionName: 's1', sourceEndpointId: pubId, publications: ['p'], slotName: 's1' },
        { subscriptionName: 's2', sourceEndpointId: pubId, publications: ['p'], slotName: 's2' },
      ]);
      const at = '2026-03-01T00:00:00.000Z';
      const gone = '00000000-0000-0000-0000-00000000000b';
      const detail = (state: string) => ({ state }) as never;
      expect(
        await statuses.saveMany(
          [
            { streamId: s1.id, detail: detail('old'), tracking: { n: 1 }, updatedAt: at },
            { streamId: s2.id, detail: detail('streaming'), tracking: {}, updatedAt: at },
            { streamId: s1.id, detail: detail('disabled'), tracking: { n: 2 }, updatedAt: at },
            { streamId: gone, detail: detail('x'), tracking: {}, updatedAt: at },
          ],
          [
            { streamId: s1.id, sampledAt: at, lagBytes: 5_000_000_000, lagSeconds: 1.5, backfillPercent: null },
            { streamId: s2.id, sampledAt: at, lagBytes: null, lagSeconds: null, backfillPercent: 42.5 },
            { streamId: gone, sampledAt: at, lagBytes: 1, lagSeconds: 1, backfillPercent: 1 },
          ],
        ),
      ).toEqual({ statuses: 2, samples: 2 });
      expect(await statuses.get(s1.id)).toEqual({
        streamId: s1.id,
        detail: detail('disabled'),
        tracking: { n: 2 },
        updatedAt: at,
      });
      expect(await metrics.series(s1.id, new Date(at), new Date(Date.parse(at) + 1000), 1)).toEqual([
        { at, lagBytes: 5_000_000_000, lagSeconds: 1.5, backfillPercent: null },
      ]);
      expect(await metrics.series(s2.id, new Date(at), new Date(Date.parse(at) + 1000), 1)).toEqual([
        { at, lagBytes: null, lagSeconds: null, backfillPercent: 42.5 },
      ]);
      // a second save at the same instant replaces the sample
      await statuses.saveMany(
        [],
        [{ streamId: s2.id, sampledAt: at, lagBytes: 7, lagSeconds: 0, backfillPercent: 43 }],
      );
      expect((await metrics.series(s2.id, new Date(at), new Date(Date.parse(at) + 1000), 1))[0].lagBytes).toBe(7);
      expect(await statuses.saveMany([], [])).toEqual({ statuses: 0, samples: 0 });
      expect(await count('SELECT count(*)::int AS n FROM metric_sample')).toBe(2);
    });

    it('listForDerivation: streams touching the endpoint with status, effective thresholds, newest error, other ends', async () => {
      const [s1, s2] = await streams.upsertDiscovered(subId, [
        { subscriptionName: 'b', sourceEndpointId: pubId, publications: ['p'], slotName: 'b' },
        { subscriptionName: 'a', sourceEndpointId: thirdId, publications: ['q'], slotName: null },
      ]);
      const [s3] = await streams.upsertDiscovered(thirdId, [
        { subscriptionName: 'c', sourceEndpointId: subId, publications: [], slotName: null },
      ]);
      const [unrelated] = await streams.upsertDiscovered(thirdId, [
        { subscriptionName: 'd', sourceEndpointId: pubId, publications: [], slotName: null },
      ]);
      const statusRepo = new EndpointStatusRepository(ds);
      for (const id of [pubId, subId, thirdId]) await statusRepo.upsert(snapshot(id, []));
      await statuses.save({
        streamId: s1.id,
        detail: { state: 'streaming' } as never,
        tracking: { k: 1 },
        updatedAt: '2026-03-01T00:00:01.000Z',
      });
      const own = { warningBytes: 10, criticalBytes: null, warningSeconds: 1.5, criticalSeconds: 3 };
      await thresholds.putForStream(s2.id, own);
      await new ReplicationErrorRepository(ds).insertMany(
        ['2026-03-01T00:00:05.123Z', '2026-03-01T00:00:09.456Z'].map((at) => ({
          endpointId: subId,
          streamId: s1.id,
          subscriptionName: 'b',
          at,
          severity: 'ERROR',
          sqlstate: '23505',
          message: `duplicate key at ${at}`,
          detail: null,
          context: null,
          source: 'logical replication apply worker',
          pid: 1,
          table: null,
          finishLsn: null,
          constraintName: null,
          key: null,
        })),
      );

      const inputs = await statuses.listForDerivation(subId);
      // ordered as listTouching, same stream records
      expect(inputs.streams.map((r) => r.stream)).toEqual(await streams.listTouching(subId));
      expect(inputs.streams.map((r) => r.stream.id)).not.toContain(unrelated.id);
      const byId = new Map(inputs.streams.map((r) => [r.stream.id, r]));
      expect(byId.get(s1.id)).toMatchObject({
        previous: await statuses.get(s1.id),
        thresholds: await thresholds.effective(s1.id),
        lastLogErrorAt: '2026-03-01T00:00:09.456Z',
      });
      expect(byId.get(s2.id)).toMatchObject({
        previous: null,
        thresholds: { thresholds: own, overridden: true },
        lastLogErrorAt: null,
      });
      expect(byId.get(s3.id)?.thresholds).toEqual({ thresholds: DEFAULT_GLOBAL_THRESHOLDS, overridden: false });
      // the other ends' snapshots, never the endpoint's own
      expect(inputs.endpointStatuses.map((s) => s.endpointId).sort()).toEqual([pubId, thirdId].sort());
      expect(inputs.endpointStatuses.find((s) => s.endpointId === pubId)).toEqual(
        await statusRepo.findByEndpoint(pubId),
      );

      // without a global row, non-overridden streams have no thresholds
      await ds.query('DELETE FROM threshold WHERE stream_id IS NULL');
      try {
        const bare = await statuses.listForDerivation(thirdId);
        expect(bare.streams.find((r) => r.stream.id === s3.id)?.thresholds).toEqual({
          thresholds: { warningBytes: null, criticalBytes: null, warningSeconds: null, criticalSeconds: null },
          overridden: false,
        });
      } finally {
        await thresholds.putGlobal(DEFAULT_GLOBAL_THRESHOLDS);
      }
      expect(await statuses.listForDerivation('00000000-0000-0000-0000-00000000000c')).toEqual({
        streams: [],
        endpointStatuses: [],
      });
    });

    it('syncDiscoveredMany: many subscribers in one call; a repeated target is synced once per occurrence', async () => {
      const results = await streams.syncDiscoveredMany([
        {
          targetEndpointId: subId,
          streams: [{ subscriptionName: 's1', sourceEndpointId: pubId, publications: ['p'], slotName: 's1' }],
        },
        {
          targetEndpointId: thirdId,
          streams: [{ subscriptionName: 't1', sourceEndpointId: subId, publications: [], slotName: null }],
        },
        {
          targetEndpointId: subId,
          streams: [{ subscriptionName: 's2', sourceEndpointId: null, publications: [], slotName: null }],
        },
      ]);
      expect(results.map((r) => r.stored.map((x) => x.subscriptionName))).toEqual([['s1'], ['t1'], ['s2']]);
      // the second occurrence of subId ran after the first: s1 (absent from it) was deleted
      expect(results[2].deleted).toEqual([results[0].stored[0].id]);
      expect(results[0].deleted).toEqual([]);
      expect((await streams.list()).map((x) => x.subscriptionName).sort()).toEqual(['s2', 't1']);
      expect(await streams.syncDiscoveredMany([])).toEqual([]);
    });

    it('listForDerivationMany: one entry per endpoint, streams split by endpoint, other ends included', async () => {
      const [ab] = await streams.upsertDiscovered(subId, [
        { subscriptionName: 'ab', sourceEndpointId: pubId, publications: [], slotName: null },
      ]);
      const [cb] = await streams.upsertDiscovered(thirdId, [
        { subscriptionName: 'cb', sourceEndpointId: subId, publications: [], slotName: null },
      ]);
      const statusRepo = new EndpointStatusRepository(ds);
      for (const id of [pubId, subId, thirdId]) await statusRepo.upsert(snapshot(id, []));
      const many = await statuses.listForDerivationMany([pubId, subId, pubId]);
      expect([...many.keys()]).toEqual([pubId, subId]);
      expect(many.get(pubId)!.streams.map((r) => r.stream.id)).toEqual([ab.id]);
      expect(
        many
          .get(subId)!
          .streams.map((r) => r.stream.id)
          .sort(),
      ).toEqual([ab.id, cb.id].sort());
      // never the endpoint's own snapshot; the other ends of each one's streams are there
      expect(
        many
          .get(pubId)!
          .endpointStatuses.map((x) => x.endpointId)
          .sort(),
      ).toEqual([subId, thirdId].sort());
      expect(
        many
          .get(subId)!
          .endpointStatuses.map((x) => x.endpointId)
          .sort(),
      ).toEqual([pubId, thirdId].sort());
      expect(await statuses.listForDerivation(subId)).toEqual({
        streams: many.get(subId)!.streams,
        endpointStatuses: expect.arrayContaining(many.get(subId)!.endpointStatuses),
      });
    });

    it('endpoint snapshots: upsertMany and findByEndpoints in one statement each', async () => {
      const statusRepo = new EndpointStatusRepository(ds);
      const gone = '00000000-0000-0000-0000-00000000000d';
      const older = snapshot(pubId, []);
      const newer = { ...snapshot(pubId, [{ name: 'x', slotType: 'logical' }]), checkedAt: '2026-02-01T00:00:05.000Z' };
      expect((await statusRepo.upsertMany([older, snapshot(subId, []), newer, snapshot(gone, [])])).sort()).toEqual(
        [pubId, subId].sort(),
      );
      expect(await statusRepo.findByEndpoint(pubId)).toEqual(newer);
      expect((await statusRepo.findByEndpoints([pubId, subId, gone, thirdId])).map((x) => x.endpointId).sort()).toEqual(
        [pubId, subId].sort(),
      );
      expect(
        (await ds.query('SELECT checked_at FROM endpoint_status WHERE endpoint_id = $1', [pubId]))[0].checked_at,
      ).toEqual(new Date(newer.checkedAt));
      expect(await statusRepo.upsertMany([])).toEqual([]);
      expect(await statusRepo.findByEndpoints([])).toEqual([]);
    });

    it('insertIfChangedMany: per endpoint, a row only when the LSN moved; a repeated endpoint keeps its last', async () => {
      await wal.insertIfChanged(pubId, '2026-05-01T00:00:00Z', '0/500');
      expect(
        await wal.insertIfChangedMany([
          { endpointId: pubId, sampledAt: '2026-05-01T00:00:01Z', lsn: '0/500' },
          { endpointId: thirdId, sampledAt: '2026-05-01T00:00:01Z', lsn: '0/900' },
          { endpointId: thirdId, sampledAt: '2026-05-01T00:00:02Z', lsn: '0/A00' },
          { endpointId: '00000000-0000-0000-0000-00000000000e', sampledAt: '2026-05-01T00:00:01Z', lsn: '0/1' },
        ]),
      ).toEqual([false, false, true, false]);
      expect(await wal.latest(thirdId)).toEqual({ sampledAt: '2026-05-01T00:00:02.000Z', lsn: '0/A00' });
      expect(await wal.latest(pubId)).toEqual({ sampledAt: '2026-05-01T00:00:00.000Z', lsn: '0/500' });
      expect(
        await wal.insertIfChangedMany([{ endpointId: pubId, sampledAt: '2026-05-01T00:00:03Z', lsn: '0/501' }]),
      ).toEqual([true]);
      expect(await wal.insertIfChangedMany([])).toEqual([]);
    });

    it('getMany: the existing streams of the ids', async () => {
      const [a, b] = await streams.upsertDiscovered(subId, [
        { subscriptionName: 'g1', sourceEndpointId: pubId, publications: [], slotName: null },
        { subscriptionName: 'g2', sourceEndpointId: null, publications: [], slotName: null },
      ]);
      const got = await streams.getMany([b.id, '00000000-0000-0000-0000-00000000000f', a.id]);
      expect(got.sort((x, y) => x.subscriptionName.localeCompare(y.subscriptionName))).toEqual([a, b]);
      expect(await streams.getMany([])).toEqual([]);
    });

    it('currentParts: the same thresholds and newest errors as effectiveMany / latestAtByStream, in one statement', async () => {
      const [s1, s2, s3] = await streams.upsertDiscovered(subId, [
        { subscriptionName: 'c1', sourceEndpointId: pubId, publications: [], slotName: null },
        { subscriptionName: 'c2', sourceEndpointId: pubId, publications: [], slotName: null },
        { subscriptionName: 'c3', sourceEndpointId: pubId, publications: [], slotName: null },
      ]);
      await thresholds.putForStream(s2.id, {
        warningBytes: 5,
        criticalBytes: null,
        warningSeconds: 0.5,
        criticalSeconds: 9,
      });
      const errors = new ReplicationErrorRepository(ds);
      await errors.insertMany(
        ['2026-06-01T00:00:01.250Z', '2026-06-01T00:00:03.500Z'].map((at) => ({
          endpointId: subId,
          streamId: s3.id,
          subscriptionName: 'c3',
          at,
          severity: 'ERROR',
          sqlstate: null,
          message: `error at ${at}`,
          detail: null,
          context: null,
          source: 'logical replication apply worker',
          pid: 1,
          table: null,
          finishLsn: null,
          constraintName: null,
          key: null,
        })),
      );
      const ids = [s1.id, s2.id, s3.id];
      const parts = await statuses.currentParts(ids);
      expect(parts.thresholds).toEqual(await thresholds.effectiveMany(ids));
      expect(parts.newestErrorAt).toEqual(await errors.latestAtByStream(ids));
      expect(parts.newestErrorAt).toEqual(new Map([[s3.id, '2026-06-01T00:00:03.500Z']]));
      // only the streams asked for
      expect((await statuses.currentParts([s1.id])).newestErrorAt).toEqual(new Map());
      await ds.query('DELETE FROM threshold WHERE stream_id IS NULL');
      try {
        expect((await statuses.currentParts([s1.id])).thresholds).toEqual(await thresholds.effectiveMany([s1.id]));
      } finally {
        await thresholds.putGlobal(DEFAULT_GLOBAL_THRESHOLDS);
      }
      expect(await statuses.currentParts([])).toEqual({ thresholds: new Map(), newestErrorAt: new Map() });
    });

    it('listForDerivation: the earliest WAL sample beyond the slot position of the source snapshot', async () => {
      const [withSlot, noSlot, noSource] = await streams.upsertDiscovered(subId, [
        { subscriptionName: 'w1', sourceEndpointId: thirdId, publications: [], slotName: 'w1' },
        { subscriptionName: 'w2', sourceEndpointId: thirdId, publications: [], slotName: 'missing' },
        { subscriptionName: 'w3', sourceEndpointId: null, publications: [], slotName: 'w1' },
      ]);
      const statusRepo = new EndpointStatusRepository(ds);
      // the slot also appears as physical first: only the logical one counts
      const third = snapshot(thirdId, [{ name: 'w1', slotType: 'logical' }]);
      third.slots = [{ ...third.slots[0], slotType: 'physical', confirmedFlushLsn: '0/1' } as never, ...third.slots];
      third.slots[1] = { ...third.slots[1], confirmedFlushLsn: '0/150' };
      await statusRepo.upsert(third);
      await wal.insertIfChanged(thirdId, '2026-04-01T00:00:00Z', '0/100');
      await wal.insertIfChanged(thirdId, '2026-04-01T00:00:01Z', '0/200');
      await wal.insertIfChanged(thirdId, '2026-04-01T00:00:02Z', '0/300');
      const byId = new Map((await statuses.listForDerivation(subId)).streams.map((r) => [r.stream.id, r]));
      expect(byId.get(withSlot.id)?.earliestUnconfirmed).toEqual(await wal.earliestAfter(thirdId, '0/150'));
      expect(byId.get(withSlot.id)?.earliestUnconfirmed).toEqual({
        sampledAt: '2026-04-01T00:00:01.000Z',
        lsn: '0/200',
      });
      expect(byId.get(noSlot.id)?.earliestUnconfirmed).toBeNull();
      expect(byId.get(noSource.id)?.earliestUnconfirmed).toBeNull();
      // caught up: nothing beyond the position
      third.slots[1] = { ...third.slots[1], confirmedFlushLsn: '0/300' };
      await statusRepo.upsert(third);
      const caughtUp = (await statuses.listForDerivation(subId)).streams.find((r) => r.stream.id === withSlot.id);
      expect(caughtUp?.earliestUnconfirmed).toBeNull();
    });
  });
});

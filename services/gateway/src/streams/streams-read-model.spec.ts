import { type LagThresholds } from '@prm/contracts';
import {
  type EffectiveThresholds,
  type EndpointEntity,
  type EndpointRepository,
  type MetricSampleRepository,
  type ReplicationErrorRepository,
  type StoredStreamDetail,
  type StreamRecord,
  type StreamRepository,
  type StreamStatusRecord,
  type StreamStatusRepository,
  type ThresholdRepository,
} from '@prm/persistence';

import { StreamsService } from './streams.service.js';

const AT = '2026-01-01T00:00:00.000Z';
const GLOBAL: LagThresholds = { warningBytes: 100, criticalBytes: 1000, warningSeconds: null, criticalSeconds: null };

const record = (id: string, target: string, subscription: string): StreamRecord => ({
  id,
  targetEndpointId: target,
  subscriptionName: subscription,
  sourceEndpointId: 'pub',
  publications: ['p'],
  slotName: subscription,
  origin: 'discovered',
  pausedAt: null,
  pausedBy: null,
  createdAt: AT,
  updatedAt: AT,
});

const derived = (streamId: string, lagBytes: number, lastErrorAt: string | null = null): StreamStatusRecord => ({
  streamId,
  detail: {
    id: streamId,
    state: 'streaming',
    lag: { bytes: lagBytes, seconds: 0, writeLagSeconds: null, flushLagSeconds: null, replayLagSeconds: null },
    lastErrorAt,
    sourceName: 'old-name',
    targetName: 'old-name',
    updatedAt: AT,
    tables: [],
    publicationDetail: null,
    subscriptionDetail: null,
    slotDetail: null,
  } as unknown as StoredStreamDetail,
  tracking: {},
  updatedAt: AT,
});

/** Fake repositories over in-memory rows, recording the statements. */
function fakes() {
  const rows = {
    streams: new Map([
      ['s1', record('s1', 'rb', 'sub_1')],
      ['s2', record('s2', 'ra', 'sub_2')],
    ]),
    statuses: new Map([
      ['s1', derived('s1', 50)],
      ['s2', derived('s2', 500, '2026-01-01T00:00:05.000Z')],
    ]),
    names: new Map([
      ['pub', 'publisher'],
      ['ra', 'replica-a'],
      ['rb', 'replica-b'],
    ]),
    own: new Map<string, LagThresholds>(),
    errors: new Map<string, string>(),
  };
  const calls: string[] = [];
  const streams = {
    list: async () => {
      calls.push('streams.list');
      return [...rows.streams.values()];
    },
    getMany: async (ids: string[]) => {
      calls.push(`streams.getMany ${ids.join(',')}`);
      return ids.flatMap((id) => (rows.streams.has(id) ? [rows.streams.get(id)!] : []));
    },
  } as unknown as StreamRepository;
  const statuses = {
    currentParts: (ids: string[]) => current.currentParts(ids),
    list: async (ids: string[]) => {
      calls.push(`statuses.list ${ids.join(',')}`);
      return ids.flatMap((id) => (rows.statuses.has(id) ? [rows.statuses.get(id)!] : []));
    },
  } as unknown as StreamStatusRepository;
  const endpoints = {
    findAll: async () => {
      calls.push('endpoints.findAll');
      return [...rows.names].map(([id, name]) => ({ id, name }) as EndpointEntity);
    },
  } as unknown as EndpointRepository;
  const current = {
    currentParts: async (ids: string[]) => ({
      thresholds: new Map<string, EffectiveThresholds>(
        ids.map((id) => [
          id,
          rows.own.has(id)
            ? { thresholds: rows.own.get(id)!, overridden: true }
            : { thresholds: GLOBAL, overridden: false },
        ]),
      ),
      newestErrorAt: new Map(ids.flatMap((id) => (rows.errors.has(id) ? [[id, rows.errors.get(id)!]] : []))),
    }),
  };
  const service = new StreamsService(
    streams,
    statuses,
    endpoints,
    {} as ThresholdRepository,
    {} as ReplicationErrorRepository,
    {} as MetricSampleRepository,
  );
  return { rows, calls, service };
}

describe('StreamsService.list (stream list read model)', () => {
  it('sorted by target name; thresholds, level and newest error applied per request; nothing re-read', async () => {
    const { rows, calls, service } = fakes();
    try {
      const first = await service.list();
      expect(first.map((s) => [s.targetName, s.sourceName, s.level, s.lastErrorAt])).toEqual([
        ['replica-a', 'publisher', 'warning', '2026-01-01T00:00:05.000Z'],
        ['replica-b', 'publisher', 'ok', null],
      ]);
      expect(first[0]).not.toHaveProperty('tables');
      // thresholds and logged errors change outside the polls: seen at once, without a rebuild
      rows.own.set('s1', { warningBytes: 10, criticalBytes: 20, warningSeconds: null, criticalSeconds: null });
      rows.errors.set('s1', '2026-01-01T00:00:09.000Z');
      rows.errors.set('s2', '2026-01-01T00:00:01.000Z');
      const second = await service.list();
      expect(second.map((s) => [s.id, s.level, s.thresholdsOverridden, s.lastErrorAt])).toEqual([
        ['s2', 'warning', false, '2026-01-01T00:00:05.000Z'],
        ['s1', 'critical', true, '2026-01-01T00:00:09.000Z'],
      ]);
      expect(calls).toEqual(['streams.list', 'statuses.list s1,s2', 'endpoints.findAll']);
    } finally {
      service.onModuleDestroy();
    }
  });

  it('stream.updated re-reads only those streams (new, changed, deleted); endpoint.changed re-reads everything', async () => {
    const { rows, calls, service } = fakes();
    try {
      await service.list();
      calls.length = 0;
      rows.statuses.set('s1', derived('s1', 5000));
      rows.streams.set('s3', record('s3', 'ra', 'sub_0'));
      rows.statuses.set('s3', derived('s3', 0));
      rows.streams.delete('s2');
      service.invalidate({ streamIds: ['s1', 's3'] });
      service.invalidate({ streamIds: ['s2'] });
      const list = await service.list();
      expect(list.map((s) => [s.id, s.subscription, s.level])).toEqual([
        ['s3', 'sub_0', 'ok'],
        ['s1', 'sub_1', 'critical'],
      ]);
      expect(calls).toEqual(['streams.getMany s1,s3,s2', 'statuses.list s1,s3,s2']);

      calls.length = 0;
      rows.names.set('rb', 'replica-b-renamed');
      service.invalidate('all');
      expect((await service.list()).map((s) => s.targetName)).toEqual(['replica-a', 'replica-b-renamed']);
      expect(calls).toEqual(['streams.list', 'statuses.list s1,s3', 'endpoints.findAll']);
    } finally {
      service.onModuleDestroy();
    }
  });

  it('listBody: the list serialized, again only when the model or the current thresholds / errors changed', async () => {
    const { rows, service } = fakes();
    try {
      const first = await service.listBody();
      expect(JSON.parse(first.toString('utf8'))).toEqual(await service.list());
      expect(await service.listBody()).toBe(first);
      rows.errors.set('s1', '2026-01-01T00:00:09.000Z');
      const withError = await service.listBody();
      expect(withError).not.toBe(first);
      expect(JSON.parse(withError.toString('utf8'))[1]).toMatchObject({
        id: 's1',
        lastErrorAt: '2026-01-01T00:00:09.000Z',
      });
      rows.own.set('s2', { warningBytes: 1, criticalBytes: 2, warningSeconds: null, criticalSeconds: null });
      const relevelled = await service.listBody();
      expect(JSON.parse(relevelled.toString('utf8'))[0]).toMatchObject({ id: 's2', level: 'critical' });
      rows.statuses.set('s1', derived('s1', 7));
      service.invalidate({ streamIds: ['s1'] });
      const updated = await service.listBody();
      expect(updated).not.toBe(relevelled);
      expect(JSON.parse(updated.toString('utf8'))).toEqual(await service.list());
    } finally {
      service.onModuleDestroy();
    }
  });
});

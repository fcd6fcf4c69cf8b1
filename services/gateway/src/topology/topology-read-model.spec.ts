import { type EndpointStatus } from '@prm/contracts';
import { type EndpointEntity, type EndpointRepository, type EndpointStatusRepository } from '@prm/persistence';

import { jsonBody } from './json-body.js';
import { TopologyService } from './topology.controller.js';

const AT = new Date('2026-01-01T00:00:00.000Z');
const entity = (id: string, name: string, port: number): EndpointEntity =>
  ({
    id,
    name,
    host: '127.0.0.1',
    port,
    dbname: 'app',
    sslmode: 'disable',
    cloud: 'other',
    region: null,
    network: null,
    role: 'primary',
    credential: { kind: 'env', user: 'u', passwordEnv: 'P' },
    logSource: null,
    createdAt: AT,
    updatedAt: AT,
  }) as unknown as EndpointEntity;

const snapshot = (endpointId: string, over: Partial<EndpointStatus> = {}): EndpointStatus =>
  ({
    endpointId,
    reachability: 'reachable',
    rttMs: 1,
    serverVersion: '17.2',
    checkedAt: new Date().toISOString(),
    lastError: null,
    publications: [],
    subscriptions: [],
    slots: [],
    ...over,
  }) as EndpointStatus;

/** Fake repositories over in-memory rows, counting the statements. */
function fakes() {
  const rows = {
    endpoints: [entity('a', 'alpha', 5001), entity('b', 'beta', 5002)],
    statuses: new Map<string, EndpointStatus>(),
  };
  rows.statuses.set('a', snapshot('a'));
  const calls = { findAll: 0, statusesFindAll: 0, findByEndpoints: [] as string[][] };
  const endpoints = {
    findAll: async () => {
      calls.findAll += 1;
      return [...rows.endpoints];
    },
  } as unknown as EndpointRepository;
  const statuses = {
    findAll: async () => {
      calls.statusesFindAll += 1;
      return [...rows.statuses.values()];
    },
    findByEndpoints: async (ids: string[]) => {
      calls.findByEndpoints.push(ids);
      return ids.flatMap((id) => (rows.statuses.has(id) ? [rows.statuses.get(id)!] : []));
    },
  } as unknown as EndpointStatusRepository;
  return { rows, calls, service: new TopologyService(endpoints, statuses) };
}

describe('TopologyService (topology read model)', () => {
  it('serves the topology from memory; status.updated re-reads only the announced snapshots', async () => {
    const { rows, calls, service } = fakes();
    try {
      const first = await service.get();
      expect(first.nodes.map((n) => [n.name, n.reachability])).toEqual([
        ['alpha', 'reachable'],
        ['beta', 'unknown'],
      ]);
      expect(await service.get()).toBe(first);
      expect(calls).toEqual({ findAll: 1, statusesFindAll: 1, findByEndpoints: [] });

      rows.statuses.set('b', snapshot('b', { serverVersion: '15.8' }));
      rows.statuses.set('a', snapshot('a', { reachability: 'unreachable' }));
      service.invalidate({ endpointIds: ['b'] });
      const next = await service.get();
      // only b was announced: a's change is not read
      expect(next.nodes.map((n) => [n.name, n.reachability, n.serverVersion])).toEqual([
        ['alpha', 'reachable', '17.2'],
        ['beta', 'reachable', '15.8'],
      ]);
      expect(calls).toEqual({ findAll: 1, statusesFindAll: 1, findByEndpoints: [['b']] });

      // a snapshot gone (endpoint deleted): dropped
      rows.statuses.delete('b');
      service.invalidate({ endpointIds: ['a'] });
      service.invalidate({ endpointIds: ['b', 'a'] });
      expect((await service.get()).nodes.map((n) => n.reachability)).toEqual(['unreachable', 'unknown']);
      expect(calls.findByEndpoints[1]).toEqual(['a', 'b']);
    } finally {
      service.onModuleDestroy();
    }
  });

  it('endpoint.changed re-reads everything', async () => {
    const { rows, calls, service } = fakes();
    try {
      await service.get();
      rows.endpoints.push(entity('c', 'gamma', 5003));
      service.invalidate('all');
      expect((await service.get()).nodes.map((n) => n.name)).toEqual(['alpha', 'beta', 'gamma']);
      expect(calls).toEqual({ findAll: 2, statusesFindAll: 2, findByEndpoints: [] });
    } finally {
      service.onModuleDestroy();
    }
  });

  it('body(): the topology serialized once per version, sent as is with the JSON content type', async () => {
    const { rows, service } = fakes();
    try {
      const body = await service.body();
      expect(JSON.parse(body.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(await service.get())));
      expect(await service.body()).toBe(body);
      rows.statuses.set('b', snapshot('b'));
      service.invalidate({ endpointIds: ['b'] });
      const next = await service.body();
      expect(next).not.toBe(body);
      expect(JSON.parse(next.toString('utf8')).nodes[1].reachability).toBe('reachable');
      const file = jsonBody(next);
      expect(file.getHeaders()).toMatchObject({ type: 'application/json; charset=utf-8', length: next.length });
    } finally {
      service.onModuleDestroy();
    }
  });
});

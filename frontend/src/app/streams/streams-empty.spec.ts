import { describe, expect, it } from '@jest/globals';

import type { TopologyNode } from '../core/contracts';
import { streamsEmptyText } from './streams-empty';

function node(name: string, checkedAt: string | null, reachability: TopologyNode['reachability']): TopologyNode {
  return {
    id: name,
    name,
    role: 'replica',
    cloud: 'aws',
    region: null,
    network: null,
    group: 'aws',
    host: '127.0.0.1',
    port: 5432,
    dbname: 'app',
    reachability,
    serverVersion: null,
    rttMs: null,
    lastError: null,
    checkedAt,
  };
}

describe('streamsEmptyText (why the Streams table is empty)', () => {
  const polled = '2026-11-30T00:00:00.000Z';

  it('says Loading until both the streams and the topology have answered', () => {
    expect(streamsEmptyText(false, [], true)).toBe('Loading…');
    expect(streamsEmptyText(true, null, true)).toBe('Loading…');
  });

  it('sends a newcomer to the Endpoints page when nothing is registered', () => {
    expect(streamsEmptyText(true, [], true)).toContain('Endpoints page');
  });

  it('says the first poll is pending rather than "no streams" right after endpoints are registered', () => {
    const text = streamsEmptyText(true, [node('a', null, 'unknown'), node('b', polled, 'reachable')], true);
    expect(text).toBe(
      'Waiting for the first poll of 1 of 2 endpoints: streams are found in each subscriber’s pg_subscription.',
    );
  });

  it('says there are no subscriptions once every endpoint was polled, naming the unreachable ones', () => {
    expect(streamsEmptyText(true, [node('a', polled, 'reachable')], true)).toBe(
      'No subscriptions on the 1 registered endpoint. Create one with New stream.',
    );
    expect(streamsEmptyText(true, [node('a', polled, 'reachable'), node('b', polled, 'unreachable')], false)).toBe(
      'No subscriptions on the 2 registered endpoints (1 of them not reachable now, so their subscriptions are not known).',
    );
  });
});

import { type EndpointStatus } from '@prm/contracts';
import { type DiscoveryResult } from '@prm/pg';

import { tableSizesDue } from './endpoint-poller.service.js';

const NOW = new Date('2026-01-01T00:10:00.000Z');
const pub = {
  name: 'p',
  allTables: false,
  tables: ['public.t'],
  insert: true,
  update: true,
  delete: true,
  truncate: true,
};
const result = (over: Partial<DiscoveryResult> = {}): DiscoveryResult =>
  ({ inRecovery: false, publications: [pub], copyProgress: [], ...over }) as DiscoveryResult;
const previous = (over: Partial<EndpointStatus> = {}): EndpointStatus =>
  ({
    tableSizes: [{ publication: 'p', table: 'public.t', heapBytes: 8192, estimatedRows: 10 }],
    tableSizesAt: '2026-01-01T00:09:30.000Z',
    copyProgress: [],
    ...over,
  }) as EndpointStatus;

describe('tableSizesDue (publisher size query at most once per refresh interval)', () => {
  it('not on a non-publisher or a standby', () => {
    expect(tableSizesDue(result({ publications: [] }), null, NOW, 60_000)).toBe(false);
    expect(tableSizesDue(result({ inRecovery: true }), null, NOW, 60_000)).toBe(false);
  });
  it('on the first poll and once the interval passed', () => {
    expect(tableSizesDue(result(), null, NOW, 60_000)).toBe(true);
    expect(tableSizesDue(result(), previous(), NOW, 60_000)).toBe(false);
    expect(tableSizesDue(result(), previous(), NOW, 30_000)).toBe(true);
    expect(tableSizesDue(result(), previous({ tableSizesAt: null }), NOW, 60_000)).toBe(true);
  });
  it('when a COPY TO starts or the published tables change', () => {
    const copy = { command: 'COPY TO' as const, pid: 1, table: 'public.t', tuplesProcessed: 1, bytesProcessed: 1 };
    expect(tableSizesDue(result({ copyProgress: [copy] }), previous(), NOW, 60_000)).toBe(true);
    expect(tableSizesDue(result({ copyProgress: [copy] }), previous({ copyProgress: [copy] }), NOW, 60_000)).toBe(
      false,
    );
    const more = { ...pub, tables: ['public.t', 'public.u'] };
    expect(tableSizesDue(result({ publications: [more] }), previous(), NOW, 60_000)).toBe(true);
  });
});

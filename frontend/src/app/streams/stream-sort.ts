import type { StreamState, StreamView, ThresholdLevel } from '../core/contracts';

/** Sortable columns of the Streams page. */
export type StreamSortKey =
  'subscription' | 'route' | 'state' | 'lagBytes' | 'lagSeconds' | 'level' | 'backfill' | 'lastError';
export type SortDirection = 'asc' | 'desc';

/** Worst first when sorted descending: error/stalled/disabled above streaming. */
const STATE_RANK: Record<StreamState, number> = {
  streaming: 0,
  backfilling: 1,
  initializing: 2,
  unknown: 3,
  disabled: 4,
  stalled: 5,
  error: 6,
};
const LEVEL_RANK: Record<ThresholdLevel, number> = { ok: 0, warning: 1, critical: 2 };

function sortValue(s: StreamView, key: StreamSortKey): string | number | null {
  switch (key) {
    case 'subscription':
      return s.subscription;
    case 'route':
      return `${s.sourceName ?? ''} → ${s.targetName}`;
    case 'state':
      return STATE_RANK[s.state] ?? 3;
    case 'lagBytes':
      return s.lag.bytes;
    case 'lagSeconds':
      return s.lag.seconds;
    case 'level':
      return LEVEL_RANK[s.level] ?? 0;
    case 'backfill':
      return s.backfill ? s.backfill.percent : null;
    case 'lastError':
      return s.lastErrorAt ? Date.parse(s.lastErrorAt) : null;
  }
}

/**
 * Sorts streams by a column; unknown values (null) always go last, ties break on subscription then target name
 * so the order is stable between refetches.
 */
export function sortStreams(
  streams: readonly StreamView[],
  key: StreamSortKey,
  direction: SortDirection,
): StreamView[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...streams].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va !== vb) {
      if (va === null) {
        return 1;
      }
      if (vb === null) {
        return -1;
      }
      const cmp = typeof va === 'string' && typeof vb === 'string' ? va.localeCompare(vb) : Number(va) - Number(vb);
      if (cmp !== 0) {
        return sign * cmp;
      }
    }
    return a.subscription.localeCompare(b.subscription) || a.targetName.localeCompare(b.targetName);
  });
}

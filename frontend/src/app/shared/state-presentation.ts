import type { EdgeState, Reachability, StreamState, ThresholdLevel } from '../core/contracts';

/** Material icon path data (24×24 viewBox), inlined so the console needs no icon font from the internet. */
export const ICON_PATHS = {
  ok: 'M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm-2 15l-5-5 1.41-1.41L10 14.17l7.59-7.59L19 8l-9 9z',
  warning: 'M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z',
  error: 'M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm1 15h-2v-2h2v2zm0-4h-2V7h2v6z',
  sync: 'M12 4V1L8 5l4 4V6c3.31 0 6 2.69 6 6 0 1.01-.25 1.97-.7 2.8l1.46 1.46C19.54 15.03 20 13.57 20 12c0-4.42-3.58-8-8-8zm0 14c-3.31 0-6-2.69-6-6 0-1.01.25-1.97.7-2.8L5.24 7.74C4.46 8.97 4 10.43 4 12c0 4.42 3.58 8 8 8v3l4-4-4-4v3z',
  paused: 'M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm-1 14H9V8h2v8zm4 0h-2V8h2v8z',
  unknown:
    'M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm1 17h-2v-2h2v2zm2.07-7.75l-.9.92C13.45 12.9 13 13.5 13 15h-2v-.5c0-1.1.45-2.1 1.17-2.83l1.24-1.26c.37-.36.59-.86.59-1.41 0-1.1-.9-2-2-2s-2 .9-2 2H8c0-2.21 1.79-4 4-4s4 1.79 4 4c0 .88-.36 1.68-.93 2.25z',
} as const;

export type IconName = keyof typeof ICON_PATHS;

/** Colour family of a state; always shown together with {@link StateView.label} and {@link StateView.icon}. */
export type Tone = 'ok' | 'warn' | 'bad' | 'muted';

/** How one state is presented: text first, then icon and colour (readable without colour). */
export interface StateView {
  label: string;
  icon: IconName;
  tone: Tone;
  /** Drawn with a dashed stroke (unreachable things). */
  dashed: boolean;
  description: string;
}

const NODE_STATES: Record<Reachability, StateView> = {
  reachable: {
    label: 'connected',
    icon: 'ok',
    tone: 'ok',
    dashed: false,
    description: 'prm reached it on the last poll',
  },
  unreachable: {
    label: 'unreachable',
    icon: 'warning',
    tone: 'bad',
    dashed: true,
    description: 'prm cannot reach it and nothing suggests it is alive',
  },
  'unreachable-from-prm': {
    label: 'unreachable from prm',
    icon: 'warning',
    tone: 'warn',
    dashed: true,
    description: 'prm cannot reach it, but its subscribers still receive from it (network path problem)',
  },
  unknown: { label: 'unknown', icon: 'unknown', tone: 'muted', dashed: false, description: 'not polled yet' },
};

const EDGE_STATES: Record<EdgeState, StateView> = {
  streaming: {
    label: 'streaming',
    icon: 'ok',
    tone: 'ok',
    dashed: false,
    description: 'subscription enabled, apply worker running',
  },
  disabled: { label: 'disabled', icon: 'paused', tone: 'warn', dashed: false, description: 'subscription disabled' },
  down: { label: 'down', icon: 'error', tone: 'bad', dashed: false, description: 'enabled but no apply worker' },
  unreachable: {
    label: 'unreachable',
    icon: 'warning',
    tone: 'bad',
    dashed: true,
    description: 'publisher or subscriber cannot be polled',
  },
  unknown: { label: 'unknown', icon: 'unknown', tone: 'muted', dashed: true, description: 'not polled yet' },
};

/** Presentation of an endpoint's reachability (`TopologyNode.reachability`). */
export function nodeStateView(reachability: Reachability): StateView {
  return NODE_STATES[reachability] ?? NODE_STATES.unknown;
}

/** Presentation of a stream's state (`TopologyEdge.state`). */
export function edgeStateView(state: EdgeState): StateView {
  return EDGE_STATES[state] ?? EDGE_STATES.unknown;
}

const STREAM_STATES: Record<StreamState, StateView> = {
  streaming: {
    label: 'streaming',
    icon: 'ok',
    tone: 'ok',
    dashed: false,
    description: 'every table ready, apply worker running, slot active',
  },
  backfilling: {
    label: 'backfilling',
    icon: 'sync',
    tone: 'ok',
    dashed: false,
    description: 'initial table sync running',
  },
  initializing: {
    label: 'initializing',
    icon: 'sync',
    tone: 'muted',
    dashed: false,
    description: 'subscription enabled, nothing copying yet',
  },
  stalled: {
    label: 'stalled',
    icon: 'warning',
    tone: 'bad',
    dashed: false,
    description: 'enabled but not progressing (worker missing, slot inactive or a copy stuck)',
  },
  disabled: { label: 'disabled', icon: 'paused', tone: 'warn', dashed: false, description: 'subscription disabled' },
  error: {
    label: 'error',
    icon: 'error',
    tone: 'bad',
    dashed: false,
    description: 'apply or table sync errors since the last good poll',
  },
  unknown: { label: 'unknown', icon: 'unknown', tone: 'muted', dashed: true, description: 'not polled yet' },
};

const LEVELS: Record<ThresholdLevel, StateView> = {
  ok: { label: 'ok', icon: 'ok', tone: 'ok', dashed: false, description: 'lag below the warning thresholds' },
  warning: {
    label: 'warning',
    icon: 'warning',
    tone: 'warn',
    dashed: false,
    description: 'lag over a warning threshold (bytes or seconds)',
  },
  critical: {
    label: 'critical',
    icon: 'error',
    tone: 'bad',
    dashed: false,
    description: 'lag over a critical threshold (bytes or seconds)',
  },
};

/** Presentation of a stream's state (`StreamView.state`). */
export function streamStateView(state: StreamState): StateView {
  return STREAM_STATES[state] ?? STREAM_STATES.unknown;
}

/** Presentation of a lag threshold level (`StreamView.level`). */
export function levelView(level: ThresholdLevel): StateView {
  return LEVELS[level] ?? LEVELS.ok;
}

/** Legend rows, in display order. */
export const NODE_LEGEND: readonly StateView[] = Object.values(NODE_STATES);
export const EDGE_LEGEND: readonly StateView[] = Object.values(EDGE_STATES);

/** `1536` → `1.5 KiB`; null → `n/a`. Bytes in, IEC units out. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || bytes === undefined) {
    return 'n/a';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * Seconds as a short duration: `0 s`, `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`; null → `n/a`.
 * Fractions below 10 s keep one decimal (`1.5 s`).
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return 'n/a';
  }
  const s = Math.max(0, seconds);
  if (s < 10) {
    return `${Math.round(s * 10) / 10} s`;
  }
  if (s < 60) {
    return `${Math.round(s)} s`;
  }
  const whole = Math.round(s);
  const d = Math.floor(whole / 86_400);
  const h = Math.floor((whole % 86_400) / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const sec = whole % 60;
  if (d > 0) {
    return h ? `${d} d ${h} h` : `${d} d`;
  }
  if (h > 0) {
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  return sec ? `${m} min ${sec} s` : `${m} min`;
}

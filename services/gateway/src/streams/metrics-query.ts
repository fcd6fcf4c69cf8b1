import { type ApiErrorDetail, DomainError } from '@prm/contracts';

/** Most points `GET /api/streams/:id/metrics` returns. */
export const MAX_METRIC_POINTS = 500;
/** Default window when `from` is omitted, seconds. */
export const DEFAULT_METRICS_WINDOW_SECONDS = 3600;
/** Bucket widths the default step is picked from, seconds (the smallest one giving ≤ {@link MAX_METRIC_POINTS}). */
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];

/** ISO 8601 date-time with a time zone (`2026-01-02T03:04:05Z`, `...+02:00`, optional fraction). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A validated metrics window. */
export interface MetricsWindow {
  from: Date;
  to: Date;
  /** Bucket width, seconds (whole). */
  stepSeconds: number;
}

/** Number of buckets `[from, to)` spans at `stepSeconds` (at least 1 for an empty window). */
export function metricPointCount(from: Date, to: Date, stepSeconds: number): number {
  return Math.max(1, Math.ceil((to.getTime() - from.getTime()) / 1000 / stepSeconds));
}

/** The smallest nice step that keeps the window at ≤ {@link MAX_METRIC_POINTS} buckets, seconds. */
export function defaultStepSeconds(from: Date, to: Date): number {
  const seconds = (to.getTime() - from.getTime()) / 1000;
  const min = Math.max(1, Math.ceil(seconds / MAX_METRIC_POINTS));
  return NICE_STEPS.find((s) => s >= min) ?? Math.ceil(min / 86_400) * 86_400;
}

/**
 * Parses `from`, `to` (ISO 8601 with a zone) and `step` (whole seconds ≥ 1) of `GET /api/streams/:id/metrics`.
 * Defaults: `to` = now, `from` = `to` − 1 h, `step` = {@link defaultStepSeconds}.
 * @throws DomainError('validation-failed') with one detail per bad field: unparsable time, `from` after `to`,
 *   a step that is not a whole number ≥ 1, or a window that would give more than {@link MAX_METRIC_POINTS} points.
 */
export function parseMetricsQuery(
  query: { from?: unknown; to?: unknown; step?: unknown },
  now: Date = new Date(),
): MetricsWindow {
  const details: ApiErrorDetail[] = [];
  const time = (field: 'from' | 'to', value: unknown): Date | null => {
    if (value === undefined || value === '') return null;
    const parsed = typeof value === 'string' && ISO_TIME.test(value) && realDate(value) ? new Date(value) : null;
    if (!parsed || Number.isNaN(parsed.getTime())) {
      details.push({ field, reason: `${field} must be an ISO 8601 time with a zone, e.g. 2026-01-02T03:04:05Z` });
      return null;
    }
    return parsed;
  };
  const toParsed = time('to', query.to);
  const fromParsed = time('from', query.from);
  let stepSeconds: number | null = null;
  if (query.step !== undefined && query.step !== '') {
    const n = typeof query.step === 'string' && /^\d+$/.test(query.step) ? Number(query.step) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) {
      details.push({ field: 'step', reason: 'step must be a whole number of seconds ≥ 1' });
    } else {
      stepSeconds = n;
    }
  }
  if (details.length > 0) throw invalid(details);
  const to = toParsed ?? now;
  const from = fromParsed ?? new Date(to.getTime() - DEFAULT_METRICS_WINDOW_SECONDS * 1000);
  if (from.getTime() > to.getTime()) {
    throw invalid([{ field: 'from', reason: 'from must not be after to' }]);
  }
  const step = stepSeconds ?? defaultStepSeconds(from, to);
  const points = metricPointCount(from, to, step);
  if (points > MAX_METRIC_POINTS) {
    throw invalid([
      {
        field: 'step',
        reason:
          `step ${step} s gives ${points} points over this window; at most ${MAX_METRIC_POINTS}: ` +
          `use step ≥ ${Math.ceil((to.getTime() - from.getTime()) / 1000 / MAX_METRIC_POINTS)}`,
      },
    ]);
  }
  return { from, to, stepSeconds: step };
}

/** The calendar date of an ISO time exists (JS `Date` would roll 2026-02-30 over to March 2). */
function realDate(iso: string): boolean {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function invalid(details: ApiErrorDetail[]): DomainError {
  return new DomainError('validation-failed', 'invalid metrics query', details);
}

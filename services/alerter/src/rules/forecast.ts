/** One point of a series: time in ms and a value. */
export interface SeriesPoint {
  t: number;
  v: number;
}

/**
 * Least-squares slope of `points` (value units per second), or null with fewer than two points or no time spread.
 * Ordinary linear regression: slope = Σ(t−t̄)(v−v̄) / Σ(t−t̄)².
 */
export function slopePerSecond(points: SeriesPoint[]): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const tMean = points.reduce((a, p) => a + p.t, 0) / n;
  const vMean = points.reduce((a, p) => a + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - tMean) * (p.v - vMean);
    den += (p.t - tMean) ** 2;
  }
  return den === 0 ? null : (num / den) * 1000;
}

/** Forecast of when retained WAL reaches a limit. */
export interface WalForecast {
  /** Growth rate, bytes/s (regression over the samples). */
  rateBytesPerSecond: number;
  /** Hours until the limit at that rate. */
  hoursLeft: number;
  /** ISO time the limit is reached. */
  at: string;
}

/**
 * Projects when a slot's retained WAL grows by `headroomBytes` more (to `max_slot_wal_keep_size`, or to the retention
 * threshold), from `samples` of retained bytes. Null when there are fewer than `minSamples` samples, they span less
 * than `minSpanMs`, the trend is not growing, or there is no headroom left (other rules cover that).
 */
export function forecastWal(
  samples: { at: string; retainedBytes: number }[],
  headroomBytes: number,
  now: Date,
  opts: { minSamples: number; minSpanMs: number },
): WalForecast | null {
  if (samples.length < opts.minSamples || headroomBytes <= 0) return null;
  const points = samples.map((s) => ({ t: Date.parse(s.at), v: s.retainedBytes }));
  if (points[points.length - 1]!.t - points[0]!.t < opts.minSpanMs) return null;
  const rate = slopePerSecond(points);
  if (rate === null || rate <= 0) return null;
  const seconds = headroomBytes / rate;
  return {
    rateBytesPerSecond: rate,
    hoursLeft: seconds / 3600,
    at: new Date(now.getTime() + seconds * 1000).toISOString(),
  };
}

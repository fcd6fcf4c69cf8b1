import { Injectable } from '@nestjs/common';
import { type StreamMetricPoint } from '@prm/contracts';
import { DataSource } from 'typeorm';

/** One time-series sample of a stream (table `metric_sample`). */
export interface MetricSample {
  streamId: string;
  /** ISO time (prm clock). */
  sampledAt: string;
  /** bytes */
  lagBytes: number | null;
  /** seconds */
  lagSeconds: number | null;
  /** 0..100; null when no backfill runs. */
  backfillPercent: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Lag and backfill time series per stream (table `metric_sample`), with retention. */
@Injectable()
export class MetricSampleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores one sample (a second sample at the same instant replaces the first); dropped when the stream is gone. */
  async insert(s: MetricSample): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO metric_sample (stream_id, sampled_at, lag_bytes, lag_seconds, backfill_percent)
       SELECT id, $2, $3, $4, $5 FROM stream WHERE id = $1
       ON CONFLICT (stream_id, sampled_at) DO UPDATE SET lag_bytes = EXCLUDED.lag_bytes,
         lag_seconds = EXCLUDED.lag_seconds, backfill_percent = EXCLUDED.backfill_percent`,
      [s.streamId, s.sampledAt, s.lagBytes, s.lagSeconds, s.backfillPercent],
    );
  }

  /**
   * The stream's series in `[from, to)`, bucketed by `stepSeconds` (bucket start = floor(epoch / step) × step, UTC),
   * the max of each field within a bucket; empty buckets are omitted. Ordered by time.
   * @throws RangeError when `stepSeconds` is not a positive finite number.
   */
  async series(streamId: string, from: Date, to: Date, stepSeconds: number): Promise<StreamMetricPoint[]> {
    if (!Number.isFinite(stepSeconds) || stepSeconds <= 0) throw new RangeError('stepSeconds must be > 0');
    const rows = (await this.dataSource.query(
      `SELECT to_timestamp(floor(extract(epoch FROM sampled_at) / $4) * $4) AS at,
              max(lag_bytes) AS lag_bytes, max(lag_seconds) AS lag_seconds, max(backfill_percent) AS backfill_percent
       FROM metric_sample WHERE stream_id = $1 AND sampled_at >= $2 AND sampled_at < $3
       GROUP BY 1 ORDER BY 1`,
      [streamId, from, to, stepSeconds],
    )) as { at: Date; lag_bytes: unknown; lag_seconds: unknown; backfill_percent: unknown }[];
    return rows.map((r) => ({
      at: r.at.toISOString(),
      lagBytes: num(r.lag_bytes),
      lagSeconds: num(r.lag_seconds),
      backfillPercent: num(r.backfill_percent),
    }));
  }

  /** Deletes samples older than `before`. @returns rows deleted. */
  async purgeOlderThan(before: Date): Promise<number> {
    // TypeORM returns [rows, rowCount] for DELETE
    const [, count] = (await this.dataSource.query('DELETE FROM metric_sample WHERE sampled_at < $1', [before])) as [
      unknown[],
      number,
    ];
    return count;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A publisher's WAL position at a moment of its own clock. */
export interface WalSample {
  /** ISO time (the publisher's `now()` at the poll). */
  sampledAt: string;
  /** `pg_current_wal_lsn()` as PostgreSQL prints it. */
  lsn: string;
}

interface Row {
  sampled_at: Date;
  lsn: string;
}
const toSample = (r: Row): WalSample => ({ sampledAt: r.sampled_at.toISOString(), lsn: r.lsn });

/**
 * Publisher WAL positions over time (table `wal_sample`), for idle-safe lag seconds (monitoring.md §1.3 fix 1): a
 * row is written only when the LSN moved since the endpoint's latest sample.
 */
@Injectable()
export class WalSampleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores `(sampledAt, lsn)` unless it equals the endpoint's latest sample's LSN (or a sample exists at that time).
   * @returns true when a row was written.
   */
  async insertIfChanged(endpointId: string, sampledAt: string, lsn: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO wal_sample (endpoint_id, sampled_at, lsn)
       SELECT e.id, $2, $3::pg_lsn FROM endpoint e
       WHERE e.id = $1 AND (SELECT w.lsn FROM wal_sample w WHERE w.endpoint_id = $1
                            ORDER BY w.sampled_at DESC LIMIT 1) IS DISTINCT FROM $3::pg_lsn
       ON CONFLICT (endpoint_id, sampled_at) DO NOTHING
       RETURNING 1`,
      [endpointId, sampledAt, lsn],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * {@link insertIfChanged} for many endpoints in one statement (the monitor's polls finishing together); an
   * endpoint repeated keeps its last sample.
   * @returns per input sample, in order: true when its row was written.
   */
  async insertIfChangedMany(samples: { endpointId: string; sampledAt: string; lsn: string }[]): Promise<boolean[]> {
    if (samples.length === 0) return [];
    const last = new Map(samples.map((x, i) => [x.endpointId, i]));
    const rows = (await this.dataSource.query(
      `INSERT INTO wal_sample (endpoint_id, sampled_at, lsn)
       SELECT e.id, x.sampled_at, x.lsn::pg_lsn
         FROM jsonb_to_recordset($1::jsonb) AS x(endpoint_id uuid, sampled_at timestamptz, lsn text)
         JOIN endpoint e ON e.id = x.endpoint_id
        WHERE (SELECT w.lsn FROM wal_sample w WHERE w.endpoint_id = x.endpoint_id
               ORDER BY w.sampled_at DESC LIMIT 1) IS DISTINCT FROM x.lsn::pg_lsn
       ON CONFLICT (endpoint_id, sampled_at) DO NOTHING
       RETURNING endpoint_id`,
      [
        JSON.stringify(
          [...last.values()].map((i) => ({
            endpoint_id: samples[i].endpointId,
            sampled_at: samples[i].sampledAt,
            lsn: samples[i].lsn,
          })),
        ),
      ],
    )) as { endpoint_id: string }[];
    const written = new Set(rows.map((r) => r.endpoint_id));
    return samples.map((x, i) => last.get(x.endpointId) === i && written.has(x.endpointId));
  }

  /** The earliest sample whose LSN is beyond `lsn` (the oldest WAL not yet confirmed); null when none. */
  async earliestAfter(endpointId: string, lsn: string): Promise<WalSample | null> {
    const rows = (await this.dataSource.query(
      `SELECT sampled_at, lsn::text AS lsn FROM wal_sample WHERE endpoint_id = $1 AND lsn > $2::pg_lsn
       ORDER BY sampled_at LIMIT 1`,
      [endpointId, lsn],
    )) as Row[];
    return rows[0] ? toSample(rows[0]) : null;
  }

  /** The endpoint's newest sample; null when none. */
  async latest(endpointId: string): Promise<WalSample | null> {
    const rows = (await this.dataSource.query(
      'SELECT sampled_at, lsn::text AS lsn FROM wal_sample WHERE endpoint_id = $1 ORDER BY sampled_at DESC LIMIT 1',
      [endpointId],
    )) as Row[];
    return rows[0] ? toSample(rows[0]) : null;
  }

  /**
   * Deletes samples older than `before`, keeping each endpoint's newest one (it anchors the next comparison).
   * @returns rows deleted.
   */
  async purgeOlderThan(before: Date): Promise<number> {
    // TypeORM returns [rows, rowCount] for DELETE
    const [, count] = (await this.dataSource.query(
      `DELETE FROM wal_sample w WHERE w.sampled_at < $1
         AND w.sampled_at < (SELECT max(x.sampled_at) FROM wal_sample x WHERE x.endpoint_id = w.endpoint_id)`,
      [before],
    )) as [unknown[], number];
    return count;
  }
}

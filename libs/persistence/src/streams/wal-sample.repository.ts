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

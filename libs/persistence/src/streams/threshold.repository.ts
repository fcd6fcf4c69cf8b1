import { Injectable } from '@nestjs/common';
import { type LagThresholds } from '@prm/contracts';
import { DataSource } from 'typeorm';

/** The thresholds that apply to a stream, and whether they are its own. */
export interface EffectiveThresholds {
  thresholds: LagThresholds;
  /** true: the stream's own row applies (it replaces the global row as a whole); false: the global defaults. */
  overridden: boolean;
}

interface Row {
  stream_id: string | null;
  warning_bytes: string | null;
  critical_bytes: string | null;
  warning_seconds: number | null;
  critical_seconds: number | null;
}

const n = (v: string | number | null): number | null => (v === null ? null : Number(v));
const toThresholds = (r: Row): LagThresholds => ({
  warningBytes: n(r.warning_bytes),
  criticalBytes: n(r.critical_bytes),
  warningSeconds: n(r.warning_seconds),
  criticalSeconds: n(r.critical_seconds),
});
const NONE: LagThresholds = { warningBytes: null, criticalBytes: null, warningSeconds: null, criticalSeconds: null };
const COLS = 'stream_id, warning_bytes, critical_bytes, warning_seconds, critical_seconds';

/**
 * Lag thresholds (table `threshold`): one global row (`stream_id IS NULL`, seeded 64 MiB / 1 GiB / 60 s / 300 s)
 * and optional per-stream rows. A per-stream row replaces the global one as a whole: a null field there means "no
 * threshold on that dimension for this stream", not "inherit". Bytes are bytes, seconds are seconds; values ≥ 0
 * (a CHECK constraint rejects negatives).
 */
@Injectable()
export class ThresholdRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The global defaults (all null if the seeded row was removed). */
  async getGlobal(): Promise<LagThresholds> {
    const rows = (await this.dataSource.query(`SELECT ${COLS} FROM threshold WHERE stream_id IS NULL`)) as Row[];
    return rows[0] ? toThresholds(rows[0]) : { ...NONE };
  }

  /** Replaces the global defaults. */
  async putGlobal(t: LagThresholds): Promise<LagThresholds> {
    await this.dataSource.query(
      `INSERT INTO threshold (stream_id, warning_bytes, critical_bytes, warning_seconds, critical_seconds, updated_at)
       VALUES (NULL, $1, $2, $3, $4, now())
       ON CONFLICT ((true)) WHERE stream_id IS NULL DO UPDATE SET warning_bytes = EXCLUDED.warning_bytes,
         critical_bytes = EXCLUDED.critical_bytes, warning_seconds = EXCLUDED.warning_seconds,
         critical_seconds = EXCLUDED.critical_seconds, updated_at = now()`,
      [t.warningBytes, t.criticalBytes, t.warningSeconds, t.criticalSeconds],
    );
    return this.getGlobal();
  }

  /** The stream's own thresholds; null when it uses the global defaults. */
  async getForStream(streamId: string): Promise<LagThresholds | null> {
    const rows = (await this.dataSource.query(`SELECT ${COLS} FROM threshold WHERE stream_id = $1`, [
      streamId,
    ])) as Row[];
    return rows[0] ? toThresholds(rows[0]) : null;
  }

  /**
   * Sets the stream's own thresholds (replacing the global ones for it).
   * @returns the stored thresholds, or null when the stream does not exist.
   */
  async putForStream(streamId: string, t: LagThresholds): Promise<LagThresholds | null> {
    const rows = (await this.dataSource.query(
      `INSERT INTO threshold (stream_id, warning_bytes, critical_bytes, warning_seconds, critical_seconds, updated_at)
       SELECT id, $2, $3, $4, $5, now() FROM stream WHERE id = $1
       ON CONFLICT (stream_id) DO UPDATE SET warning_bytes = EXCLUDED.warning_bytes,
         critical_bytes = EXCLUDED.critical_bytes, warning_seconds = EXCLUDED.warning_seconds,
         critical_seconds = EXCLUDED.critical_seconds, updated_at = now()
       RETURNING ${COLS}`,
      [streamId, t.warningBytes, t.criticalBytes, t.warningSeconds, t.criticalSeconds],
    )) as Row[];
    return rows[0] ? toThresholds(rows[0]) : null;
  }

  /** Removes the stream's own thresholds (the global ones apply again). @returns true when a row was removed. */
  async deleteForStream(streamId: string): Promise<boolean> {
    // TypeORM returns [rows, rowCount] for DELETE
    const [, count] = (await this.dataSource.query('DELETE FROM threshold WHERE stream_id = $1', [streamId])) as [
      unknown[],
      number,
    ];
    return count > 0;
  }

  /** The thresholds that apply to `streamId`: its own row if any, else the global row. */
  async effective(streamId: string): Promise<EffectiveThresholds> {
    return (await this.effectiveMany([streamId])).get(streamId)!;
  }

  /** {@link effective} for many streams in one query; every requested id is in the map. */
  async effectiveMany(streamIds: string[]): Promise<Map<string, EffectiveThresholds>> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLS} FROM threshold WHERE stream_id IS NULL OR stream_id = ANY($1::uuid[])`,
      [streamIds],
    )) as Row[];
    const global = rows.find((r) => r.stream_id === null);
    const own = new Map(rows.filter((r) => r.stream_id !== null).map((r) => [r.stream_id!, toThresholds(r)]));
    return new Map(
      streamIds.map((id) => {
        const o = own.get(id);
        return [
          id,
          o
            ? { thresholds: o, overridden: true }
            : { thresholds: global ? toThresholds(global) : { ...NONE }, overridden: false },
        ];
      }),
    );
  }
}

import { Injectable } from '@nestjs/common';
import { type StreamDetailView } from '@prm/contracts';
import { DataSource } from 'typeorm';

/** The stored detail: `StreamDetailView` without `errors` (those live in `replication_error`). */
export type StoredStreamDetail = Omit<StreamDetailView, 'errors'>;

/** One row of `stream_status`. */
export interface StreamStatusRecord {
  streamId: string;
  detail: StoredStreamDetail;
  /** The monitor's memory between polls (backfill estimator tracking, previous counters, missing-worker polls). */
  tracking: Record<string, unknown>;
  /** ISO time of the derivation (prm clock). */
  updatedAt: string;
}

interface Row {
  stream_id: string;
  detail: StoredStreamDetail;
  tracking: Record<string, unknown>;
  updated_at: Date;
}

const toRecord = (r: Row): StreamStatusRecord => ({
  streamId: r.stream_id,
  detail: r.detail,
  tracking: r.tracking,
  updatedAt: r.updated_at.toISOString(),
});

/** Latest derived status per stream (table `stream_status`, one row per stream, replaced on every derivation). */
@Injectable()
export class StreamStatusRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores the stream's latest status; dropped silently when the stream was deleted meanwhile. */
  async save(record: StreamStatusRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO stream_status (stream_id, detail, tracking, updated_at)
       SELECT id, $2::jsonb, $3::jsonb, $4 FROM stream WHERE id = $1
       ON CONFLICT (stream_id) DO UPDATE
         SET detail = EXCLUDED.detail, tracking = EXCLUDED.tracking, updated_at = EXCLUDED.updated_at`,
      [record.streamId, JSON.stringify(record.detail), JSON.stringify(record.tracking), record.updatedAt],
    );
  }

  /** The stream's latest status; null before its first derivation. */
  async get(streamId: string): Promise<StreamStatusRecord | null> {
    const rows = (await this.dataSource.query(
      'SELECT stream_id, detail, tracking, updated_at FROM stream_status WHERE stream_id = $1',
      [streamId],
    )) as Row[];
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Latest statuses of `streamIds` (all streams when omitted). */
  async list(streamIds?: string[]): Promise<StreamStatusRecord[]> {
    const rows = (await (streamIds
      ? this.dataSource.query(
          'SELECT stream_id, detail, tracking, updated_at FROM stream_status WHERE stream_id = ANY($1::uuid[])',
          [streamIds],
        )
      : this.dataSource.query('SELECT stream_id, detail, tracking, updated_at FROM stream_status'))) as Row[];
    return rows.map(toRecord);
  }
}

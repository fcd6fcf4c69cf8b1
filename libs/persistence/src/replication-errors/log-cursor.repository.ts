import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** How far an endpoint's server log was read: `kind` of the log source and the reader's position (JSON). */
export interface LogCursorRecord {
  endpointId: string;
  /** `file` | `rds` | `cloudwatch`. */
  kind: string;
  /** Reader-specific position (byte offset + inode, per-file markers, last event time ...). */
  position: Record<string, unknown>;
  updatedAt: string;
}

/** Log read positions (table `log_cursor`, one row per endpoint). */
@Injectable()
export class LogCursorRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The cursor of endpoint `endpointId`; null before its first read. */
  async get(endpointId: string): Promise<LogCursorRecord | null> {
    const [row] = (await this.dataSource.query(
      'SELECT endpoint_id, kind, position, updated_at FROM log_cursor WHERE endpoint_id = $1',
      [endpointId],
    )) as { endpoint_id: string; kind: string; position: Record<string, unknown>; updated_at: Date }[];
    return row
      ? { endpointId: row.endpoint_id, kind: row.kind, position: row.position, updatedAt: row.updated_at.toISOString() }
      : null;
  }

  /** Stores the cursor (insert or replace). An endpoint deleted meanwhile is ignored (no row, no error). */
  async save(endpointId: string, kind: string, position: Record<string, unknown>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO log_cursor (endpoint_id, kind, position, updated_at)
       SELECT $1, $2, $3::jsonb, now() WHERE EXISTS (SELECT 1 FROM endpoint WHERE id = $1)
       ON CONFLICT (endpoint_id) DO UPDATE SET kind = EXCLUDED.kind, position = EXCLUDED.position, updated_at = now()`,
      [endpointId, kind, JSON.stringify(position)],
    );
  }

  /** Forgets the cursor (the next read starts afresh). */
  async reset(endpointId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM log_cursor WHERE endpoint_id = $1', [endpointId]);
  }
}

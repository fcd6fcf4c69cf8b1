import { Injectable } from '@nestjs/common';
import type { ReplicationErrorView } from '@prm/contracts';
import { DataSource } from 'typeorm';

/** A replication error to store (one server log entry). */
export interface NewReplicationError {
  endpointId: string;
  streamId: string | null;
  subscriptionName: string | null;
  /** Server time of the log entry, ISO 8601. */
  at: string;
  severity: string;
  sqlstate: string | null;
  message: string;
  detail: string | null;
  context: string | null;
  /** backend_type (`logical replication apply worker`, `walsender`, ...) or `counter`. */
  source: string;
  pid: number | null;
  table: string | null;
  finishLsn: string | null;
  constraintName: string | null;
  key: string | null;
}

interface Row {
  id: string;
  endpoint_id: string;
  stream_id: string | null;
  subscription_name: string | null;
  at: Date;
  severity: string;
  sqlstate: string | null;
  message: string;
  detail: string | null;
  context: string | null;
  source: string;
  table_name: string | null;
  finish_lsn: string | null;
  constraint_name: string | null;
  key: string | null;
}

const COLUMNS = `id, endpoint_id, stream_id, subscription_name, at, severity, sqlstate, message, detail, context, source,
  table_name, finish_lsn, constraint_name, key`;

/** Maps a row to its API shape (`ReplicationErrorView`, times as ISO strings). */
function toView(r: Row): ReplicationErrorView {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    streamId: r.stream_id,
    at: r.at.toISOString(),
    severity: r.severity,
    sqlstate: r.sqlstate,
    message: r.message,
    detail: r.detail,
    context: r.context,
    source: r.source,
    table: r.table_name,
    finishLsn: r.finish_lsn,
    subscription: r.subscription_name,
    constraintName: r.constraint_name,
    key: r.key,
  };
}

/** Rows inserted per statement (16 parameters each, well under PostgreSQL's 65535 bind limit). */
const BATCH = 500;

/**
 * Replication errors from server logs (table `replication_error`), newest first. Deduplicated on
 * (endpoint, server time, pid, md5(message)): re-reading a log never adds a row twice.
 */
@Injectable()
export class ReplicationErrorRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts `errors`, skipping those already stored (`ON CONFLICT DO NOTHING`).
   * @returns the number of rows actually inserted.
   */
  async insertMany(errors: NewReplicationError[]): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < errors.length; i += BATCH) {
      const chunk = errors.slice(i, i + BATCH);
      const params: unknown[] = [];
      const tuples = chunk.map((e) => {
        const values = [
          e.endpointId,
          e.streamId,
          e.subscriptionName,
          e.at,
          e.severity,
          e.sqlstate,
          e.message,
          e.detail,
          e.context,
          e.source,
          e.pid,
          e.table,
          e.finishLsn,
          e.constraintName,
          e.key,
        ];
        const base = params.length;
        params.push(...values);
        return `(${values.map((_, j) => `$${base + j + 1}`).join(', ')})`;
      });
      const rows = (await this.dataSource.query(
        `INSERT INTO replication_error (endpoint_id, stream_id, subscription_name, at, severity, sqlstate, message,
           detail, context, source, pid, table_name, finish_lsn, constraint_name, key)
         VALUES ${tuples.join(', ')}
         ON CONFLICT DO NOTHING
         RETURNING id`,
        params,
      )) as unknown[];
      inserted += rows.length;
    }
    return inserted;
  }

  /** The newest `limit` errors of stream `streamId` (default 100), newest first. */
  async listForStream(streamId: string, limit = 100): Promise<ReplicationErrorView[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM replication_error WHERE stream_id = $1 ORDER BY at DESC, created_at DESC LIMIT $2`,
      [streamId, limit],
    )) as Row[];
    return rows.map(toView);
  }

  /** The newest `limit` errors logged by endpoint `endpointId` (default 100), newest first, attached or not. */
  async listForEndpoint(endpointId: string, limit = 100): Promise<ReplicationErrorView[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM replication_error WHERE endpoint_id = $1 ORDER BY at DESC, created_at DESC LIMIT $2`,
      [endpointId, limit],
    )) as Row[];
    return rows.map(toView);
  }

  /** Server time (ISO) of the newest error of stream `streamId`; null when it has none. */
  async latestAtForStream(streamId: string): Promise<string | null> {
    const [row] = (await this.dataSource.query('SELECT max(at) AS at FROM replication_error WHERE stream_id = $1', [
      streamId,
    ])) as { at: Date | null }[];
    return row?.at ? row.at.toISOString() : null;
  }

  /** Newest error time per stream, for a streams list in one query: streamId → ISO time. */
  async latestAtByStream(streamIds: string[]): Promise<Map<string, string>> {
    if (streamIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT stream_id, max(at) AS at FROM replication_error WHERE stream_id = ANY($1::uuid[]) GROUP BY stream_id`,
      [streamIds],
    )) as { stream_id: string; at: Date }[];
    return new Map(rows.map((r) => [r.stream_id, r.at.toISOString()]));
  }

  /**
   * Attaches the rows of endpoint `endpointId` and subscription `subscriptionName` that were stored before their
   * stream was known (`stream_id IS NULL`) to stream `streamId`.
   * @returns the number of rows attached.
   */
  async attach(endpointId: string, subscriptionName: string, streamId: string): Promise<number> {
    const result = (await this.dataSource.query(
      `UPDATE replication_error SET stream_id = $3
        WHERE endpoint_id = $1 AND subscription_name = $2 AND stream_id IS NULL`,
      [endpointId, subscriptionName, streamId],
    )) as [unknown[], number];
    return result[1];
  }

  /** Subscription names of endpoint `endpointId` that have rows not attached to a stream yet. */
  async unattachedSubscriptions(endpointId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT subscription_name FROM replication_error
        WHERE endpoint_id = $1 AND stream_id IS NULL AND subscription_name IS NOT NULL`,
      [endpointId],
    )) as { subscription_name: string }[];
    return rows.map((r) => r.subscription_name);
  }

  /** Deletes errors logged before `before` (ISO); returns how many (retention). */
  async deleteOlderThan(before: string): Promise<number> {
    const result = (await this.dataSource.query('DELETE FROM replication_error WHERE at < $1', [before])) as [
      unknown[],
      number,
    ];
    return result[1];
  }
}

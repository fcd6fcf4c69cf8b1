import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Replication errors read from server logs: `replication_error` (one row per log entry, deduplicated on
 * endpoint, server time, pid and message so a re-read never duplicates), `log_cursor` (how far each endpoint's log
 * was read) and `endpoint.log_source` (where to read it). Runs after Streams1764500000000 (`stream` exists).
 */
export class ReplicationErrors1764500001000 implements MigrationInterface {
  name = 'ReplicationErrors1764500001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoint ADD COLUMN log_source jsonb NOT NULL DEFAULT '{"kind":"none"}'::jsonb`);
    await q.query(`
      CREATE TABLE replication_error (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
        stream_id uuid REFERENCES stream (id) ON DELETE SET NULL,
        subscription_name text,
        at timestamptz NOT NULL,
        severity text NOT NULL,
        sqlstate text,
        message text NOT NULL,
        detail text,
        context text,
        source text NOT NULL,
        pid integer,
        table_name text,
        finish_lsn text,
        constraint_name text,
        key text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX replication_error_dedupe_key
         ON replication_error (endpoint_id, at, coalesce(pid, 0), md5(message))`,
    );
    await q.query('CREATE INDEX replication_error_stream_at_idx ON replication_error (stream_id, at DESC)');
    await q.query('CREATE INDEX replication_error_endpoint_at_idx ON replication_error (endpoint_id, at DESC)');
    await q.query(
      `CREATE INDEX replication_error_unattached_idx ON replication_error (endpoint_id, subscription_name)
         WHERE stream_id IS NULL`,
    );
    await q.query(`
      CREATE TABLE log_cursor (
        endpoint_id uuid PRIMARY KEY REFERENCES endpoint (id) ON DELETE CASCADE,
        kind text NOT NULL,
        position jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE log_cursor');
    await q.query('DROP TABLE replication_error');
    await q.query('ALTER TABLE endpoint DROP COLUMN log_source');
  }
}

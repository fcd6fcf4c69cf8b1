import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** 64 MiB, 1 GiB, 60 s, 300 s: the global lag thresholds seeded here (issue 3). */
export const DEFAULT_GLOBAL_THRESHOLDS = {
  warningBytes: 64 * 1024 * 1024,
  criticalBytes: 1024 * 1024 * 1024,
  warningSeconds: 60,
  criticalSeconds: 300,
} as const;

/**
 * Stream monitoring: `stream` (publication + subscription pair, discovered or provisioned), `stream_status` (the
 * latest derived view and the estimator's memory), `wal_sample` (publisher WAL position over time, for idle-safe
 * lag seconds), `metric_sample` (lag and backfill time series), `threshold` (global defaults + per-stream rows).
 */
export class Streams1764500000000 implements MigrationInterface {
  name = 'Streams1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stream (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        target_endpoint_id uuid NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
        subscription_name text NOT NULL,
        source_endpoint_id uuid REFERENCES endpoint (id) ON DELETE SET NULL,
        publications text[] NOT NULL DEFAULT '{}',
        slot_name text,
        origin text NOT NULL DEFAULT 'discovered' CHECK (origin IN ('discovered', 'provisioned')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stream_target_subscription_key UNIQUE (target_endpoint_id, subscription_name)
      )`);
    await q.query('CREATE INDEX stream_source_endpoint_idx ON stream (source_endpoint_id)');
    await q.query(`
      CREATE TABLE stream_status (
        stream_id uuid PRIMARY KEY REFERENCES stream (id) ON DELETE CASCADE,
        detail jsonb NOT NULL,
        tracking jsonb NOT NULL DEFAULT '{}'::jsonb,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE wal_sample (
        endpoint_id uuid NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
        sampled_at timestamptz NOT NULL,
        lsn pg_lsn NOT NULL,
        PRIMARY KEY (endpoint_id, sampled_at)
      )`);
    await q.query(`
      CREATE TABLE metric_sample (
        stream_id uuid NOT NULL REFERENCES stream (id) ON DELETE CASCADE,
        sampled_at timestamptz NOT NULL,
        lag_bytes bigint,
        lag_seconds double precision,
        backfill_percent double precision,
        PRIMARY KEY (stream_id, sampled_at)
      )`);
    await q.query(`
      CREATE TABLE threshold (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        stream_id uuid UNIQUE REFERENCES stream (id) ON DELETE CASCADE,
        warning_bytes bigint CHECK (warning_bytes >= 0),
        critical_bytes bigint CHECK (critical_bytes >= 0),
        warning_seconds double precision CHECK (warning_seconds >= 0),
        critical_seconds double precision CHECK (critical_seconds >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // UNIQUE lets many NULLs through: one global row only.
    await q.query('CREATE UNIQUE INDEX threshold_global_key ON threshold ((true)) WHERE stream_id IS NULL');
    await q.query(
      `INSERT INTO threshold (stream_id, warning_bytes, critical_bytes, warning_seconds, critical_seconds)
       VALUES (NULL, $1, $2, $3, $4)`,
      [
        DEFAULT_GLOBAL_THRESHOLDS.warningBytes,
        DEFAULT_GLOBAL_THRESHOLDS.criticalBytes,
        DEFAULT_GLOBAL_THRESHOLDS.warningSeconds,
        DEFAULT_GLOBAL_THRESHOLDS.criticalSeconds,
      ],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE threshold');
    await q.query('DROP TABLE metric_sample');
    await q.query('DROP TABLE wal_sample');
    await q.query('DROP TABLE stream_status');
    await q.query('DROP TABLE stream');
  }
}

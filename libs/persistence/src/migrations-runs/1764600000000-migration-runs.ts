import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Migration runs (one per submitted script) and their steps (one per target endpoint, in run order). The partial
 * unique index `migration_run_one_active` is the database guard behind "one migration at a time": a second run
 * cannot be queued while one is queued or running, whichever gateway instance inserts it.
 */
export class MigrationRuns1764600000000 implements MigrationInterface {
  name = 'MigrationRuns1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE migration_run (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        sql text NOT NULL,
        checksum text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'halted')),
        dry_run boolean NOT NULL,
        non_transactional boolean NOT NULL,
        actor text NOT NULL,
        lock_timeout_ms integer NOT NULL,
        statement_timeout_ms integer NOT NULL,
        warnings jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX migration_run_one_active ON migration_run ((true)) WHERE status IN ('queued', 'running')`,
    );
    await q.query('CREATE INDEX migration_run_created_at ON migration_run (created_at DESC)');
    await q.query(`
      CREATE TABLE migration_step (
        run_id uuid NOT NULL REFERENCES migration_run (id) ON DELETE CASCADE,
        position integer NOT NULL,
        endpoint_id uuid NOT NULL,
        endpoint_name text NOT NULL,
        status text NOT NULL
          CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'already-applied')),
        started_at timestamptz,
        finished_at timestamptz,
        duration_ms integer,
        statements_run integer NOT NULL DEFAULT 0,
        statements_total integer NOT NULL,
        error jsonb,
        note text,
        PRIMARY KEY (run_id, position)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE migration_step');
    await q.query('DROP TABLE migration_run');
  }
}

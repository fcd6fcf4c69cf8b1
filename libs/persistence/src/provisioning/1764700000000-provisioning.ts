import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Provisioning saga log: `provisioning_run` (one create/remove/pause/resume/rotation, with its idempotency key and
 * the lease of the provisioner process executing it) and `provisioning_step` (each step, written before it acts,
 * with what it created so a rollback undoes only that).
 */
export class Provisioning1764700000000 implements MigrationInterface {
  name = 'Provisioning1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE provisioning_run (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('create', 'remove', 'pause', 'resume', 'rotate-credentials')),
        state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed',
          'rolling-back', 'rollback-pending', 'rolled-back')),
        idempotency_key text UNIQUE,
        requested_via text NOT NULL DEFAULT 'api' CHECK (requested_via IN ('api', 'sqs')),
        stream_id uuid REFERENCES stream (id) ON DELETE SET NULL,
        source_endpoint_id uuid REFERENCES endpoint (id) ON DELETE SET NULL,
        target_endpoint_id uuid REFERENCES endpoint (id) ON DELETE SET NULL,
        publication_name text,
        creates_publication boolean NOT NULL DEFAULT false,
        subscription_name text NOT NULL,
        slot_name text,
        request jsonb NOT NULL,
        preflight jsonb,
        error jsonb,
        owner text,
        heartbeat_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX provisioning_run_unfinished_idx ON provisioning_run (heartbeat_at)
        WHERE state IN ('queued', 'running', 'rolling-back', 'rollback-pending')`,
    );
    await q.query(`
      CREATE TABLE provisioning_step (
        run_id uuid NOT NULL REFERENCES provisioning_run (id) ON DELETE CASCADE,
        seq int NOT NULL,
        name text NOT NULL,
        state text NOT NULL CHECK (state IN ('running', 'done', 'failed', 'undone', 'skipped')),
        created jsonb NOT NULL DEFAULT '{}'::jsonb,
        error jsonb,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (run_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE provisioning_step');
    await q.query('DROP TABLE provisioning_run');
  }
}

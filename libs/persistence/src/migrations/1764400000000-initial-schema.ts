import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Endpoints and their latest status snapshot. */
export class InitialSchema1764400000000 implements MigrationInterface {
  name = 'InitialSchema1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE endpoint (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        host text NOT NULL,
        port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
        dbname text NOT NULL,
        sslmode text NOT NULL,
        cloud text NOT NULL,
        region text,
        network text,
        role text NOT NULL CHECK (role IN ('primary', 'replica')),
        credential jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT endpoint_name_key UNIQUE (name)
      )`);
    await q.query(`
      CREATE TABLE endpoint_status (
        endpoint_id uuid PRIMARY KEY REFERENCES endpoint (id) ON DELETE CASCADE,
        status jsonb NOT NULL,
        checked_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE endpoint_status');
    await q.query('DROP TABLE endpoint');
  }
}

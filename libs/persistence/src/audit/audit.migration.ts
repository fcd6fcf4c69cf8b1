import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Append-only audit log: a trigger refuses UPDATE and DELETE, so history cannot be rewritten through prm. */
export class AuditLog1764900000000 implements MigrationInterface {
  name = 'AuditLog1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_event (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        source_ip text,
        action text NOT NULL,
        subject text,
        status_code integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'refused', 'failed')),
        payload jsonb,
        correlation_id text
      )`);
    await q.query('CREATE INDEX audit_event_at_idx ON audit_event (at DESC)');
    await q.query(`
      CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_event');
    await q.query('DROP FUNCTION audit_event_append_only()');
  }
}

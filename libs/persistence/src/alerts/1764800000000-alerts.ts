import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Alerting (issue 6): `alert` (one row per alert; at most one pending/firing row per fingerprint, resolved rows are
 * the history), `alert_silence` (matchers by kind and/or subject with an expiry), `notification_channel` (webhook,
 * Slack, SNS, e-mail; secrets are references in `config`, never values), `notification` (one delivery of one alert
 * event to one channel, with attempts and the last error) and `alert_slot_sample` (retained WAL per slot over time,
 * for the slot forecast).
 */
export class Alerts1764800000000 implements MigrationInterface {
  name = 'Alerts1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        fingerprint text NOT NULL,
        kind text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        subject_type text NOT NULL CHECK (subject_type IN ('stream', 'endpoint', 'slot')),
        subject_id text NOT NULL,
        subject_name text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        fired_at timestamptz,
        resolved_at timestamptz,
        acknowledged_by text,
        acknowledged_at timestamptz,
        silenced_until timestamptz,
        summary text NOT NULL,
        facts jsonb NOT NULL DEFAULT '[]'::jsonb,
        remediation jsonb NOT NULL DEFAULT '[]'::jsonb,
        endpoint_ids text[] NOT NULL DEFAULT '{}',
        stream_ids text[] NOT NULL DEFAULT '{}',
        hits integer NOT NULL DEFAULT 1,
        last_observation text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX alert_open_fingerprint_key ON alert (fingerprint) WHERE state <> 'resolved'`);
    await q.query('CREATE INDEX alert_state_idx ON alert (state, first_seen_at DESC)');
    await q.query('CREATE INDEX alert_endpoint_ids_idx ON alert USING gin (endpoint_ids)');
    await q.query(`
      CREATE TABLE alert_silence (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text,
        subject_id text,
        until timestamptz NOT NULL,
        reason text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (kind IS NOT NULL OR subject_id IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE notification_channel (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('webhook', 'slack', 'sns', 'email')),
        config jsonb NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE notification (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        alert_id uuid NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
        channel_id uuid NOT NULL REFERENCES notification_channel (id) ON DELETE CASCADE,
        event text NOT NULL CHECK (event IN ('fired', 'resolved')),
        group_key text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_alert_channel_event_key UNIQUE (alert_id, channel_id, event)
      )`);
    await q.query('CREATE INDEX notification_group_idx ON notification (group_key)');
    await q.query(`CREATE INDEX notification_pending_idx ON notification (created_at) WHERE status = 'pending'`);
    await q.query(`
      CREATE TABLE alert_slot_sample (
        endpoint_id uuid NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
        slot_name text NOT NULL,
        sampled_at timestamptz NOT NULL,
        retained_bytes bigint NOT NULL,
        PRIMARY KEY (endpoint_id, slot_name, sampled_at)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alert_slot_sample');
    await q.query('DROP TABLE notification');
    await q.query('DROP TABLE notification_channel');
    await q.query('DROP TABLE alert_silence');
    await q.query('DROP TABLE alert');
  }
}

import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Escalation notifications (issue 6): `alert.notified_severity` is the highest severity announced for a firing alert
 * (at firing, raised by each escalation); a firing alert whose severity rises above it is notified once as
 * `escalated`. Each delivery records the severity it announces (`notification.severity`, and for an escalation the one
 * announced before, `previous_severity`); one delivery per alert, channel, event and announced severity.
 * Existing rows: fired/resolved alerts announced their current severity, deliveries their alert's severity.
 */
export class AlertEscalation1765060000000 implements MigrationInterface {
  name = 'AlertEscalation1765060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alert ADD COLUMN notified_severity text
      CHECK (notified_severity IN ('info', 'warning', 'critical'))`);
    await q.query(`UPDATE alert SET notified_severity = severity WHERE state <> 'pending'`);
    await q.query(`ALTER TABLE notification
      ADD COLUMN severity text CHECK (severity IN ('info', 'warning', 'critical')),
      ADD COLUMN previous_severity text CHECK (previous_severity IN ('info', 'warning', 'critical'))`);
    await q.query(`UPDATE notification n SET severity = a.severity FROM alert a WHERE a.id = n.alert_id`);
    await q.query('ALTER TABLE notification ALTER COLUMN severity SET NOT NULL');
    await q.query('ALTER TABLE notification DROP CONSTRAINT notification_event_check');
    await q.query(`ALTER TABLE notification ADD CONSTRAINT notification_event_check
      CHECK (event IN ('fired', 'resolved', 'escalated'))`);
    await q.query('ALTER TABLE notification DROP CONSTRAINT notification_alert_channel_event_key');
    await q.query(`ALTER TABLE notification ADD CONSTRAINT notification_alert_channel_event_key
      UNIQUE (alert_id, channel_id, event, severity)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM notification WHERE event = 'escalated'`);
    await q.query('ALTER TABLE notification DROP CONSTRAINT notification_alert_channel_event_key');
    await q.query(`ALTER TABLE notification ADD CONSTRAINT notification_alert_channel_event_key
      UNIQUE (alert_id, channel_id, event)`);
    await q.query('ALTER TABLE notification DROP CONSTRAINT notification_event_check');
    await q.query(`ALTER TABLE notification ADD CONSTRAINT notification_event_check
      CHECK (event IN ('fired', 'resolved'))`);
    await q.query('ALTER TABLE notification DROP COLUMN previous_severity, DROP COLUMN severity');
    await q.query('ALTER TABLE alert DROP COLUMN notified_severity');
  }
}

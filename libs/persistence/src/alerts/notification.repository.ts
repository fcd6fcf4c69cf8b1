import { Injectable } from '@nestjs/common';
import type {
  AlertSeverity,
  ChannelConfig,
  ChannelKind,
  ChannelView,
  NotificationEvent,
  NotificationStatus,
  NotificationView,
} from '@prm/contracts';
import { DataSource } from 'typeorm';
import type { Queryable } from './alert.repository.js';

/** A stored channel: config as stored (secret references only, the Slack URL in full). */
export type ChannelRecord = ChannelView;

interface ChannelRow {
  id: string;
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  config: ChannelConfig;
  created_at: Date;
  updated_at: Date;
}

const CHANNEL_COLUMNS = 'id, name, kind, enabled, config, created_at, updated_at';

const toChannel = (r: ChannelRow): ChannelRecord => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  enabled: r.enabled,
  config: r.config,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Notification channels (table `notification_channel`; names unique). */
@Injectable()
export class NotificationChannelRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(q: Queryable = this.dataSource): Promise<ChannelRecord[]> {
    const rows = (await q.query(`SELECT ${CHANNEL_COLUMNS} FROM notification_channel ORDER BY name`)) as ChannelRow[];
    return rows.map(toChannel);
  }

  async get(id: string): Promise<ChannelRecord | null> {
    const rows = (await this.dataSource.query(`SELECT ${CHANNEL_COLUMNS} FROM notification_channel WHERE id = $1`, [
      id,
    ])) as ChannelRow[];
    return rows[0] ? toChannel(rows[0]) : null;
  }

  /** @throws the driver's unique violation (23505) when the name is taken. */
  async create(c: {
    name: string;
    kind: ChannelKind;
    enabled: boolean;
    config: ChannelConfig;
  }): Promise<ChannelRecord> {
    const rows = (await this.dataSource.query(
      `INSERT INTO notification_channel (name, kind, enabled, config) VALUES ($1, $2, $3, $4::jsonb)
       RETURNING ${CHANNEL_COLUMNS}`,
      [c.name, c.kind, c.enabled, JSON.stringify(c.config)],
    )) as ChannelRow[];
    return toChannel(rows[0]!);
  }

  /** Updates the given fields; null when unknown. @throws 23505 when the new name is taken. */
  async update(
    id: string,
    patch: { name?: string; enabled?: boolean; config?: ChannelConfig },
  ): Promise<ChannelRecord | null> {
    const rows = (await this.dataSource.query(
      `UPDATE notification_channel SET name = coalesce($2, name), enabled = coalesce($3, enabled),
         config = coalesce($4::jsonb, config), updated_at = now()
       WHERE id = $1 RETURNING ${CHANNEL_COLUMNS}`,
      [id, patch.name ?? null, patch.enabled ?? null, patch.config ? JSON.stringify(patch.config) : null],
    )) as [ChannelRow[], number];
    const row = rows[0]?.[0];
    return row ? toChannel(row) : null;
  }

  /** Deletes channel `id` (and its deliveries); false when unknown. */
  async delete(id: string): Promise<boolean> {
    const r = (await this.dataSource.query('DELETE FROM notification_channel WHERE id = $1', [id])) as [
      unknown,
      number,
    ];
    return r[1] > 0;
  }
}

interface NotificationRow {
  id: string;
  alert_id: string;
  channel_id: string;
  event: NotificationEvent;
  severity: AlertSeverity;
  previous_severity: AlertSeverity | null;
  group_key: string;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Date;
}

/** A delivery row with its group (one message per channel and group). */
export interface NotificationRecord extends NotificationView {
  groupKey: string;
}

/** A delivery to create: `severity` is what it announces; `previousSeverity` only for `escalated`. */
export interface NewNotification {
  alertId: string;
  channelId: string;
  event: NotificationEvent;
  severity: AlertSeverity;
  previousSeverity?: AlertSeverity | null;
  groupKey: string;
}

const N_COLUMNS =
  'id, alert_id, channel_id, event, severity, previous_severity, group_key, status, attempts, last_error, sent_at, created_at';

const toNotification = (r: NotificationRow): NotificationRecord => ({
  id: r.id,
  alertId: r.alert_id,
  channelId: r.channel_id,
  event: r.event,
  severity: r.severity,
  previousSeverity: r.previous_severity,
  groupKey: r.group_key,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  sentAt: r.sent_at ? r.sent_at.toISOString() : null,
  createdAt: r.created_at.toISOString(),
});

/**
 * Deliveries (table `notification`): one row per alert, channel, event (`fired`/`resolved`/`escalated`) and announced
 * severity, so a retried evaluation or job never notifies twice and an alert escalates at most once to each severity.
 * Rows of one evaluation, event and channel share a `group_key` and go out as one message.
 */
@Injectable()
export class NotificationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts pending deliveries, skipping (alert, channel, event, severity) rows that exist.
   * @returns the inserted rows.
   */
  async insertMany(q: Queryable, rows: NewNotification[]): Promise<NotificationRecord[]> {
    if (rows.length === 0) return [];
    const out = (await q.query(
      `INSERT INTO notification (alert_id, channel_id, event, severity, previous_severity, group_key)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
       ON CONFLICT (alert_id, channel_id, event, severity) DO NOTHING
       RETURNING ${N_COLUMNS}`,
      [
        rows.map((r) => r.alertId),
        rows.map((r) => r.channelId),
        rows.map((r) => r.event),
        rows.map((r) => r.severity),
        rows.map((r) => r.previousSeverity ?? null),
        rows.map((r) => r.groupKey),
      ],
    )) as NotificationRow[];
    return out.map(toNotification);
  }

  /** The deliveries of one group and channel. */
  async listGroup(groupKey: string, channelId: string): Promise<NotificationRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${N_COLUMNS} FROM notification WHERE group_key = $1 AND channel_id = $2 ORDER BY created_at, id`,
      [groupKey, channelId],
    )) as NotificationRow[];
    return rows.map(toNotification);
  }

  /** Deliveries of one alert, newest first. */
  async listForAlert(alertId: string): Promise<NotificationRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${N_COLUMNS} FROM notification WHERE alert_id = $1 ORDER BY created_at DESC`,
      [alertId],
    )) as NotificationRow[];
    return rows.map(toNotification);
  }

  /** Records one attempt: `sent` (with the time) or still `pending`/`failed` with the error (no secret in it). */
  async recordAttempt(
    ids: string[],
    outcome: { status: NotificationStatus; error: string | null; at: string },
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE notification SET attempts = attempts + 1, status = $2, last_error = $3,
         sent_at = CASE WHEN $2 = 'sent' THEN $4::timestamptz ELSE sent_at END
       WHERE id = ANY($1::uuid[])`,
      [ids, outcome.status, outcome.error, outcome.at],
    );
  }

  /** Groups (channel, group key) with pending deliveries created before `before` (to re-enqueue after a crash). */
  async pendingGroups(before: string): Promise<{ channelId: string; groupKey: string }[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT channel_id, group_key FROM notification WHERE status = 'pending' AND created_at < $1`,
      [before],
    )) as { channel_id: string; group_key: string }[];
    return rows.map((r) => ({ channelId: r.channel_id, groupKey: r.group_key }));
  }
}

import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type AlertNotificationMessage,
  type AlertView,
  JobName,
  type NotificationEvent,
  QueueName,
} from '@prm/contracts';
import {
  AlertRepository,
  type ChannelRecord,
  NotificationChannelRepository,
  NotificationRepository,
  toAlertView,
} from '@prm/persistence';
import { Queue } from 'bullmq';
import { ALERTER_SETTINGS, type AlerterSettings } from '../alerter.settings.js';
import { notificationsTotal } from '../metrics.js';
import { ChannelSender, DeliveryError } from './channel.sender.js';
import { buildMessage } from './message.js';
import { SecretResolver } from './secret.resolver.js';

/** Data of a `send-notification` job: every pending delivery of one group (evaluation + event) to one channel. */
export interface NotificationJobData {
  channelId: string;
  groupKey: string;
}

/** Data of a channel test job (`POST /api/channels/:id/test`): one attempt, the result is the job's return value. */
export interface ChannelTestJobData {
  channelId: string;
  test: true;
}

/** Return value of a channel test job; `error` is safe to show (no secret, no URL query). */
export interface ChannelTestResult {
  ok: boolean;
  error: string | null;
  durationMs: number;
}

/** Deterministic id of a group's job: re-enqueueing a group (sweeper, retried evaluation) adds no second job. */
export function notificationJobId(d: NotificationJobData): string {
  return `notify_${d.channelId}_${d.groupKey}`; // BullMQ refuses most custom ids with ":"
}

/** Outcome of one delivery attempt. */
export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'nothing';

/**
 * Notification delivery through the BullMQ `notifications` queue: one job per channel and group, retried with
 * exponential backoff (`notifyAttempts`, first delay `notifyBackoffMs`). Each attempt re-reads the pending rows, so
 * a retried or re-enqueued job never sends a delivered alert twice; after the last attempt the rows are `failed`.
 */
@Injectable()
export class NotificationService {
  private readonly logger = new Logger(NotificationService.name);
  readonly sender: ChannelSender;

  constructor(
    @Inject(ALERTER_SETTINGS) private readonly settings: AlerterSettings,
    @InjectQueue(QueueName.Notifications) private readonly queue: Queue,
    @Inject(NotificationRepository) private readonly notifications: NotificationRepository,
    @Inject(NotificationChannelRepository) private readonly channels: NotificationChannelRepository,
    @Inject(AlertRepository) private readonly alerts: AlertRepository,
  ) {
    this.sender = new ChannelSender({
      secrets: new SecretResolver(settings.env, settings.awsEndpoint),
      timeoutMs: settings.notifyTimeoutMs,
      awsEndpoint: settings.awsEndpoint,
      awsRegion: settings.awsRegion,
    });
  }

  /** Adds one job per group (idempotent by job id). */
  async enqueue(groups: NotificationJobData[]): Promise<void> {
    if (groups.length === 0) return;
    await this.queue.addBulk(
      groups.map((data) => ({
        name: JobName.SendNotification,
        data,
        opts: {
          jobId: notificationJobId(data),
          attempts: this.settings.notifyAttempts,
          backoff: { type: 'exponential', delay: this.settings.notifyBackoffMs },
          removeOnComplete: { age: 24 * 3600, count: 10_000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      })),
    );
  }

  /**
   * Delivers a group's pending rows as one message (attempt `attempt` of `maxAttempts`).
   * @throws DeliveryError when the channel failed and attempts remain (BullMQ retries the job).
   */
  async deliver(data: NotificationJobData, attempt: number, maxAttempts: number): Promise<DeliveryOutcome> {
    const rows = (await this.notifications.listGroup(data.groupKey, data.channelId)).filter(
      (r) => r.status === 'pending',
    );
    if (rows.length === 0) return 'nothing';
    const ids = rows.map((r) => r.id);
    const channel = await this.channels.get(data.channelId);
    const at = () => new Date().toISOString();
    if (!channel || !channel.enabled) {
      await this.notifications.recordAttempt(ids, { status: 'failed', error: 'channel disabled or deleted', at: at() });
      return 'failed';
    }
    const alerts = (await this.alerts.getMany(rows.map((r) => r.alertId))).map(toAlertView);
    const event = rows[0]!.event;
    // An escalation announces the severity it rose to (the alert may have calmed down since), and from which.
    const escalations =
      event === 'escalated'
        ? rows.map((r) => ({ alertId: r.alertId, from: r.previousSeverity ?? r.severity, to: r.severity }))
        : undefined;
    try {
      await this.sendTo(channel, event, alerts, false, escalations);
    } catch (err) {
      const message = err instanceof DeliveryError ? err.message : `unexpected: ${(err as Error).message}`;
      const last = attempt >= maxAttempts;
      await this.notifications.recordAttempt(ids, { status: last ? 'failed' : 'pending', error: message, at: at() });
      notificationsTotal.inc({ channel_kind: channel.kind, outcome: last ? 'failed' : 'retry' });
      this.logger.warn(`channel ${channel.name} (${channel.kind}), attempt ${attempt}/${maxAttempts}: ${message}`);
      if (last) return 'failed';
      throw err instanceof DeliveryError ? err : new DeliveryError(message);
    }
    await this.notifications.recordAttempt(ids, { status: 'sent', error: null, at: at() });
    notificationsTotal.inc({ channel_kind: channel.kind, outcome: 'sent' });
    return 'sent';
  }

  /**
   * Sends `alerts` as one `event` message to `channel` (also used by the channel test); `escalations` for an
   * `escalated` message (see {@link buildMessage}). @throws DeliveryError
   */
  async sendTo(
    channel: ChannelRecord,
    event: NotificationEvent,
    alerts: AlertView[],
    test = false,
    escalations?: AlertNotificationMessage['escalations'],
  ): Promise<void> {
    await this.sender.send(channel.config, buildMessage(event, alerts, new Date(), test, escalations));
  }

  /** Sends a test message to channel `channelId` (enabled or not); never throws for a delivery failure. */
  async test(channelId: string): Promise<ChannelTestResult> {
    const started = Date.now();
    const channel = await this.channels.get(channelId);
    if (!channel) return { ok: false, error: 'channel not found', durationMs: 0 };
    try {
      await this.sendTo(channel, 'fired', [], true);
      notificationsTotal.inc({ channel_kind: channel.kind, outcome: 'sent' });
      return { ok: true, error: null, durationMs: Date.now() - started };
    } catch (err) {
      notificationsTotal.inc({ channel_kind: channel.kind, outcome: 'failed' });
      const message = err instanceof DeliveryError ? err.message : `unexpected: ${(err as Error).message}`;
      return { ok: false, error: message, durationMs: Date.now() - started };
    }
  }

  /** Re-enqueues groups left pending (e.g. the process died between the evaluation's commit and its enqueue). */
  async sweep(olderThanMs = 30_000): Promise<number> {
    const groups = await this.notifications.pendingGroups(new Date(Date.now() - olderThanMs).toISOString());
    await this.enqueue(groups);
    return groups.length;
  }
}

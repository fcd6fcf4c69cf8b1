import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  ALERT_KINDS,
  ALERT_STATES,
  type AckAlertDto,
  type AlertChangedEvent,
  type AlertDetailView,
  type AlertKind,
  type AlertState,
  type AlertView,
  type ChannelConfig,
  type ChannelView,
  type CreateChannelDto,
  type CreateSilenceDto,
  DomainError,
  EventPattern,
  JobName,
  QueueName,
  type SilenceView,
  type UpdateChannelDto,
  validateChannelConfig,
} from '@prm/contracts';
import { PRM_BUS } from '@prm/messaging';
import {
  AlertRepository,
  AlertSilenceRepository,
  type ChannelRecord,
  NotificationChannelRepository,
  NotificationRepository,
  toAlertView,
} from '@prm/persistence';
import { Queue } from 'bullmq';
import { lastValueFrom } from 'rxjs';

/** Result of `POST /api/channels/:id/test`. */
export interface ChannelTestView {
  ok: boolean;
  /** Why the delivery failed (no secret in it); null when it worked. */
  error: string | null;
  durationMs: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the API shows of a channel: the Slack URL (a credential) reduced to its origin. */
export function channelView(c: ChannelRecord): ChannelView {
  if (c.config.kind !== 'slack') return c;
  let shown = 'https://hooks.slack.com/…';
  try {
    shown = `${new URL(c.config.url).origin}/…`;
  } catch {
    // keep the placeholder
  }
  return { ...c, config: { kind: 'slack', url: shown } };
}

/**
 * The gateway's side of alerting: reads alerts and deliveries, acknowledges, silences, manages channels (prm's
 * metadata store), and tests a channel through the alerter (a one-attempt job on the `notifications` queue, so the
 * alerter's environment resolves secret references). Emits `alert.changed` after acknowledgements and silences.
 * Throws `DomainError`: not-found, validation-failed, conflict (channel name taken), unavailable (test timed out).
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    @Inject(AlertRepository) private readonly alerts: AlertRepository,
    @Inject(AlertSilenceRepository) private readonly silences: AlertSilenceRepository,
    @Inject(NotificationChannelRepository) private readonly channels: NotificationChannelRepository,
    @Inject(NotificationRepository) private readonly notifications: NotificationRepository,
    @InjectQueue(QueueName.Notifications) private readonly queue: Queue,
    @Inject(PRM_BUS) private readonly bus: ClientProxy,
  ) {}

  /** Alerts filtered by state and kind (firing first, newest first). */
  async list(query: { state?: unknown; kind?: unknown; limit?: unknown }): Promise<AlertView[]> {
    const details = [];
    if (query.state !== undefined && !ALERT_STATES.includes(query.state as AlertState)) {
      details.push({ field: 'state', reason: `must be one of ${ALERT_STATES.join(', ')}` });
    }
    if (query.kind !== undefined && !ALERT_KINDS.includes(query.kind as AlertKind)) {
      details.push({ field: 'kind', reason: `must be one of ${ALERT_KINDS.join(', ')}` });
    }
    const limit = query.limit === undefined ? undefined : Number(query.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) {
      details.push({ field: 'limit', reason: 'must be a whole number 1-1000' });
    }
    if (details.length) throw new DomainError('validation-failed', 'invalid alert filter', details);
    const rows = await this.alerts.list({
      state: query.state as AlertState | undefined,
      kind: query.kind as AlertKind | undefined,
      limit,
    });
    return rows.map(toAlertView);
  }

  /** One alert with its deliveries. */
  async get(id: string): Promise<AlertDetailView> {
    const a = UUID.test(id) ? await this.alerts.get(id) : null;
    if (!a) throw new DomainError('not-found', `alert ${id} not found`, [{ field: 'id', reason: 'no such alert' }]);
    const notifications = (await this.notifications.listForAlert(id)).map(({ groupKey: _g, ...n }) => n);
    return { ...toAlertView(a), notifications };
  }

  /** Acknowledges an alert (idempotent: the first acknowledgement is kept). */
  async acknowledge(id: string, body: AckAlertDto): Promise<AlertView> {
    const a = UUID.test(id) ? await this.alerts.acknowledge(id, body.by ?? 'console', new Date().toISOString()) : null;
    if (!a) throw new DomainError('not-found', `alert ${id} not found`, [{ field: 'id', reason: 'no such alert' }]);
    await this.emitChanged([a.id]);
    return toAlertView(a);
  }

  /** Active silences (newest first). */
  listSilences(): Promise<SilenceView[]> {
    return this.silences.list(new Date().toISOString());
  }

  /** Creates a silence and applies it to the open alerts it matches. */
  async createSilence(body: CreateSilenceDto): Promise<SilenceView> {
    let kind: AlertKind | null = body.kind ?? null;
    let subjectId: string | null = body.subjectId ?? null;
    if (body.alertId !== undefined) {
      const a = UUID.test(body.alertId) ? await this.alerts.get(body.alertId) : null;
      if (!a)
        throw new DomainError('validation-failed', 'unknown alert', [{ field: 'alertId', reason: 'no such alert' }]);
      kind = a.kind;
      subjectId = a.subject.id;
    }
    if (kind === null && subjectId === null) {
      throw new DomainError('validation-failed', 'a silence needs a matcher', [
        { field: 'alertId', reason: 'give alertId, kind or subjectId' },
      ]);
    }
    const now = Date.now();
    let until: number;
    if (body.until !== undefined) until = Date.parse(body.until);
    else if (body.minutes !== undefined) until = now + body.minutes * 60_000;
    else
      throw new DomainError('validation-failed', 'a silence needs an end', [
        { field: 'until', reason: 'give until or minutes' },
      ]);
    if (!(until > now))
      throw new DomainError('validation-failed', 'silence ends in the past', [
        { field: 'until', reason: 'must be in the future' },
      ]);
    const s = await this.silences.create({
      kind,
      subjectId,
      until: new Date(until).toISOString(),
      reason: body.reason,
      createdBy: body.createdBy ?? 'console',
    });
    const ids = await this.alerts.applySilence(s);
    await this.emitChanged(ids);
    return s;
  }

  /** Deletes a silence; alerts it covered are un-silenced unless another silence covers them. */
  async deleteSilence(id: string): Promise<void> {
    const s = UUID.test(id) ? await this.silences.delete(id) : null;
    if (!s) throw new DomainError('not-found', `silence ${id} not found`, [{ field: 'id', reason: 'no such silence' }]);
    await this.emitChanged(await this.alerts.refreshSilences(new Date().toISOString()));
  }

  async listChannels(): Promise<ChannelView[]> {
    return (await this.channels.list()).map(channelView);
  }

  async createChannel(body: CreateChannelDto): Promise<ChannelView> {
    const config = validateChannelConfig(body.kind, body.config);
    try {
      return channelView(
        await this.channels.create({ name: body.name, kind: body.kind, enabled: body.enabled ?? true, config }),
      );
    } catch (err) {
      throw this.nameTaken(err, body.name);
    }
  }

  async updateChannel(id: string, body: UpdateChannelDto): Promise<ChannelView> {
    const current = await this.requireChannel(id);
    let config: ChannelConfig | undefined;
    if (body.config !== undefined) {
      // A Slack URL is shown masked: a PATCH that sends the masked value back keeps the stored one.
      const masked = channelView(current).config;
      const keepUrl = current.config.kind === 'slack' && masked.kind === 'slack' && body.config.url === masked.url;
      const incoming =
        keepUrl && current.config.kind === 'slack' ? { ...body.config, url: current.config.url } : body.config;
      config = validateChannelConfig(current.kind, incoming);
    }
    try {
      const c = await this.channels.update(id, { name: body.name, enabled: body.enabled, config });
      return channelView(c!);
    } catch (err) {
      throw this.nameTaken(err, body.name ?? current.name);
    }
  }

  async deleteChannel(id: string): Promise<void> {
    await this.requireChannel(id);
    await this.channels.delete(id);
  }

  /**
   * Sends a test message through the alerter and waits for its outcome (at most `timeoutMs`).
   * @throws DomainError unavailable when no alerter answered in time.
   */
  async testChannel(id: string, timeoutMs = 20_000): Promise<ChannelTestView> {
    await this.requireChannel(id);
    const job = await this.queue.add(
      JobName.SendNotification,
      { channelId: id, test: true },
      {
        jobId: `notify-test_${id}_${randomUUID()}`,
        attempts: 1,
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 3600 },
      },
    );
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const j = await this.queue.getJob(job.id!);
      if (j?.finishedOn) {
        if (j.returnvalue && typeof j.returnvalue === 'object') return j.returnvalue as ChannelTestView;
        return { ok: false, error: j.failedReason ?? 'test failed', durationMs: 0 };
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new DomainError('unavailable', 'no alerter answered the channel test in time', [
      { reason: 'is the alerter service running?' },
    ]);
  }

  private async requireChannel(id: string): Promise<ChannelRecord> {
    const c = UUID.test(id) ? await this.channels.get(id) : null;
    if (!c) throw new DomainError('not-found', `channel ${id} not found`, [{ field: 'id', reason: 'no such channel' }]);
    return c;
  }

  private nameTaken(err: unknown, name: string): unknown {
    if (
      (err as { code?: string }).code === '23505' ||
      (err as { driverError?: { code?: string } }).driverError?.code === '23505'
    ) {
      return new DomainError('conflict', `a channel named ${name} exists`, [{ field: 'name', reason: 'already used' }]);
    }
    return err;
  }

  private async emitChanged(alertIds: string[]): Promise<void> {
    const at = new Date().toISOString();
    const event: AlertChangedEvent = {
      type: 'alert.changed',
      alertIds,
      firing: await this.alerts.countActionable(at),
      at,
    };
    try {
      await lastValueFrom(this.bus.emit(EventPattern.AlertChanged, event), { defaultValue: undefined });
    } catch (err) {
      this.logger.warn(`alert.changed not published: ${(err as Error).message}`);
    }
  }
}

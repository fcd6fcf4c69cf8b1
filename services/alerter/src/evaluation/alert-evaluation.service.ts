import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  type AlertChangedEvent,
  type AlertEvalJobData,
  type AlertSeverity,
  EventPattern,
  type LagThresholds,
  type ReplicationErrorView,
} from '@prm/contracts';
import { PRM_BUS } from '@prm/messaging';
import {
  AlertRepository,
  type AlertRecord,
  AlertSilenceRepository,
  EndpointRepository,
  EndpointStatusRepository,
  NotificationChannelRepository,
  type NewNotification,
  NotificationRepository,
  ReplicationErrorRepository,
  SlotSampleRepository,
  StreamRepository,
  StreamStatusRepository,
  ThresholdRepository,
  silencedUntil,
  toEndpointView,
} from '@prm/persistence';
import { lastValueFrom } from 'rxjs';
import { ALERTER_SETTINGS, type AlerterSettings } from '../alerter.settings.js';
import { alertsTotal } from '../metrics.js';
import { NotificationService } from '../notifications/notification.service.js';
import { type StreamInput, evaluateRules, parseFingerprint } from '../rules/rules.js';
import { planLifecycle } from './alert-lifecycle.js';

/** Result of one evaluation (for logs and tests). */
export interface EvaluationResult {
  conditions: number;
  fired: string[];
  resolved: string[];
  /** Firing alerts whose severity rose above the highest one announced (notified as `escalated`). */
  escalated: string[];
  /** Alerts inserted, updated to firing, escalated, resolved or dropped. */
  changed: string[];
}

/**
 * Evaluates the alert rules on one endpoint's new snapshot (an `alert-eval` job): reads the endpoint's status, the
 * streams touching it with their derived status, effective thresholds and recent replication errors, samples its
 * slots' retained WAL, runs {@link evaluateRules}, applies {@link planLifecycle} under the evaluation lock, writes one
 * pending delivery per transition (fired, escalated, resolved) and enabled channel (unless silenced), then enqueues
 * the deliveries (grouped per channel, evaluation and event) and emits `alert.changed`.
 * @throws only for failures of prm's metadata store, Redis or the bus (the job is then retried).
 */
@Injectable()
export class AlertEvaluationService {
  private readonly logger = new Logger(AlertEvaluationService.name);
  /** prm's clock (replaceable in tests). */
  clock: () => Date = () => new Date();

  constructor(
    @Inject(ALERTER_SETTINGS) private readonly settings: AlerterSettings,
    @Inject(AlertRepository) private readonly alerts: AlertRepository,
    @Inject(AlertSilenceRepository) private readonly silences: AlertSilenceRepository,
    @Inject(NotificationChannelRepository) private readonly channels: NotificationChannelRepository,
    @Inject(NotificationRepository) private readonly notifications: NotificationRepository,
    @Inject(SlotSampleRepository) private readonly slotSamples: SlotSampleRepository,
    @Inject(EndpointRepository) private readonly endpoints: EndpointRepository,
    @Inject(EndpointStatusRepository) private readonly endpointStatuses: EndpointStatusRepository,
    @Inject(StreamRepository) private readonly streams: StreamRepository,
    @Inject(StreamStatusRepository) private readonly streamStatuses: StreamStatusRepository,
    @Inject(ThresholdRepository) private readonly thresholds: ThresholdRepository,
    @Inject(ReplicationErrorRepository) private readonly replicationErrors: ReplicationErrorRepository,
    @Inject(NotificationService) private readonly notifier: NotificationService,
    @Inject(PRM_BUS) private readonly bus: ClientProxy,
  ) {}

  async evaluate(job: AlertEvalJobData): Promise<EvaluationResult> {
    const now = this.clock();
    const empty: EvaluationResult = { conditions: 0, fired: [], resolved: [], escalated: [], changed: [] };
    const [endpointRows, statusRows, allStreams] = await Promise.all([
      this.endpoints.findAll(),
      this.endpointStatuses.findAll(),
      this.streams.list(),
    ]);
    const statusById = new Map(statusRows.map((s) => [s.endpointId, s]));
    const endpoints = new Map(
      endpointRows.map((e) => [e.id, { view: toEndpointView(e), status: statusById.get(e.id) ?? null }]),
    );
    const self = endpoints.get(job.endpointId);
    if (!self?.status) return empty;
    const status = self.status;

    const touching = allStreams.filter(
      (s) => s.targetEndpointId === job.endpointId || s.sourceEndpointId === job.endpointId,
    );
    const ids = touching.map((s) => s.id);
    const [derived, effective, errors] = await Promise.all([
      this.streamStatuses.list(ids),
      this.thresholds.effectiveMany(ids),
      Promise.all(touching.map((s) => this.recentErrors(s.id, now))),
    ]);
    const derivedById = new Map(derived.map((d) => [d.streamId, d]));
    const streams: StreamInput[] = touching.map((record, n) => ({
      record,
      detail: derivedById.get(record.id)?.detail ?? null,
      tracking: (derivedById.get(record.id)?.tracking ?? {}) as StreamInput['tracking'],
      thresholds: effective.get(record.id)?.thresholds ?? NO_THRESHOLDS,
      errors: errors[n]!,
    }));
    const streamIds = new Set(allStreams.map((s) => s.id));

    const outcome = await this.alerts.evaluationTransaction(async (q) => {
      const logical = status.slots.filter(
        (s) => s.slotType === 'logical' && s.retainedBytes !== null && status.reachability === 'reachable',
      );
      await this.slotSamples.insert(
        q,
        job.endpointId,
        status.checkedAt,
        logical.map((s) => ({ name: s.name, retainedBytes: s.retainedBytes! })),
      );
      const slotSamples = await this.slotSamples.since(
        q,
        job.endpointId,
        new Date(now.getTime() - this.settings.forecastWindowMs).toISOString(),
      );
      const rules = evaluateRules({
        endpoint: self.view,
        status,
        endpoints,
        streams,
        allStreams,
        slotSamples,
        now,
        settings: this.settings,
      });
      const open = await this.alerts.listOpen(q, job.endpointId);
      const observed = (fp: string): boolean => {
        const { type, id } = parseFingerprint(fp);
        return rules.observed(fp) || (type === 'stream' && !streamIds.has(id));
      };
      const ops = planLifecycle(open, rules.conditions, observed, now);
      const silences = await this.silences.list(now.toISOString(), q);
      const fired: AlertRecord[] = [];
      const resolved: AlertRecord[] = [];
      const escalated: { alert: AlertRecord; from: AlertSeverity }[] = [];
      const changed: string[] = [];
      for (const op of ops) {
        if (op.op === 'drop') {
          await this.alerts.deletePending(q, op.id);
          changed.push(op.id);
          continue;
        }
        let row =
          op.op === 'insert' ? await this.alerts.insert(q, op.alert) : await this.alerts.update(q, op.id, op.patch);
        if (!row) continue;
        if (op.op === 'insert') {
          const until = silencedUntil(silences, row.kind, row.subject.id);
          if (until) row = (await this.alerts.update(q, row.id, { silencedUntil: until })) ?? row;
          alertsTotal.inc({ kind: row.kind, severity: row.severity, event: 'pending' });
          changed.push(row.id);
        }
        if (op.transition === 'fired') fired.push(row);
        if (op.transition === 'resolved') resolved.push(row);
        if (op.transition === 'escalated') escalated.push({ alert: row, from: op.escalatedFrom });
        if (op.transition) changed.push(row.id);
      }
      const channels = (await this.channels.list(q)).filter((c) => c.enabled);
      const groupBase = `${job.endpointId}_${Date.parse(status.checkedAt)}`;
      const announce = [
        ...fired.map((alert) => ({ alert, event: 'fired' as const, from: null })),
        ...escalated.map(({ alert, from }) => ({ alert, event: 'escalated' as const, from })),
        ...resolved.map((alert) => ({ alert, event: 'resolved' as const, from: null })),
      ];
      const deliveries: NewNotification[] = announce
        .filter(({ alert: a }) => !silencedUntil(silences, a.kind, a.subject.id))
        .flatMap(({ alert: a, event, from }) =>
          channels.map((c) => ({
            alertId: a.id,
            channelId: c.id,
            event,
            severity: a.severity,
            previousSeverity: from,
            groupKey: `${groupBase}_${event}`,
          })),
        );
      const inserted = await this.notifications.insertMany(q, deliveries);
      return { conditions: rules.conditions.length, fired, resolved, escalated, changed, inserted };
    });

    for (const a of outcome.fired) alertsTotal.inc({ kind: a.kind, severity: a.severity, event: 'fired' });
    for (const { alert: a } of outcome.escalated) {
      alertsTotal.inc({ kind: a.kind, severity: a.severity, event: 'escalated' });
    }
    for (const a of outcome.resolved) alertsTotal.inc({ kind: a.kind, severity: a.severity, event: 'resolved' });
    const groups = new Map(outcome.inserted.map((n) => [`${n.channelId} ${n.groupKey}`, n]));
    await this.notifier.enqueue([...groups.values()].map((n) => ({ channelId: n.channelId, groupKey: n.groupKey })));
    const transitions = [
      ...outcome.fired.map((a) => `fired ${a.fingerprint} (${a.severity})`),
      ...outcome.escalated.map(({ alert: a, from }) => `escalated ${a.fingerprint} ${from} → ${a.severity}`),
      ...outcome.resolved.map((a) => `resolved ${a.fingerprint}`),
    ];
    if (transitions.length) this.logger.log(`endpoint ${self.view.name}: ${transitions.join(', ')}`);
    if (outcome.changed.length > 0) await this.emitChanged([...new Set(outcome.changed)]);
    return {
      conditions: outcome.conditions,
      fired: outcome.fired.map((a) => a.id),
      resolved: outcome.resolved.map((a) => a.id),
      escalated: outcome.escalated.map(({ alert: a }) => a.id),
      changed: outcome.changed,
    };
  }

  /** Emits `alert.changed` with the actionable firing count (header badge). A bus failure is logged, not thrown. */
  async emitChanged(alertIds: string[]): Promise<void> {
    const now = this.clock().toISOString();
    const event: AlertChangedEvent = {
      type: 'alert.changed',
      alertIds,
      firing: await this.alerts.countActionable(now),
      at: now,
    };
    try {
      await lastValueFrom(this.bus.emit(EventPattern.AlertChanged, event), { defaultValue: undefined });
    } catch (err) {
      this.logger.warn(`alert.changed not published: ${(err as Error).message}`);
    }
  }

  /**
   * The stream's replication errors logged within the error window, newest first (at most 20). Shutdowns and lost
   * connections (SQLSTATE classes 57 and 08: a server stopped or restarted) are left out: the endpoint and stream-down
   * rules cover them, and a restarted subscriber must not raise an apply error.
   */
  private async recentErrors(streamId: string, now: Date): Promise<ReplicationErrorView[]> {
    const since = now.getTime() - this.settings.errorWindowMs;
    return (await this.replicationErrors.listForStream(streamId, 20)).filter(
      (e) =>
        Date.parse(e.at) >= since &&
        /^(ERROR|FATAL|PANIC)$/i.test(e.severity) &&
        !/^(57|08)/.test(e.sqlstate ?? '') &&
        !/due to administrator command|could not (connect|receive data)/.test(e.message),
    );
  }
}

const NO_THRESHOLDS: LagThresholds = {
  warningBytes: null,
  criticalBytes: null,
  warningSeconds: null,
  criticalSeconds: null,
};

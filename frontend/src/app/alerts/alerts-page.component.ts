import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';

import type { AlertKind, AlertState, AlertView, ChannelKind, ChannelView, SilenceView } from '@prm/contracts/alert.js';
import { ApiError } from '../core/api.client';
import { AuthService } from '../core/auth.service';
import { AlertsApi, type ChannelTestResult } from './alerts.api';
import { AlertsStore, isActionable } from './alerts.store';

const KINDS: AlertKind[] = [
  'lag',
  'stream-down',
  'backfill-stalled',
  'backfill-failed',
  'apply-error',
  'endpoint-unreachable',
  'slot-retention',
  'orphaned-slot',
  'slot-forecast',
];

const CHANNEL_EXAMPLES: Record<ChannelKind, string> = {
  webhook: '{ "url": "https://example.com/hook", "secret": { "kind": "env", "name": "PRM_WEBHOOK_SECRET" } }',
  slack: '{ "url": "https://hooks.slack.com/services/T000/B000/XXXX" }',
  sns: '{ "topicArn": "arn:aws:sns:us-east-1:111122223333:prm-alerts" }',
  email:
    '{ "host": "smtp.example.com", "port": 587, "secure": false, "user": "prm", "password": { "kind": "aws-secret", "secretArn": "arn:aws:secretsmanager:..." }, "from": "prm@example.com", "to": ["dba@example.com"] }',
};

/**
 * Alerts page: firing, pending and resolved alerts with filters; each row expands to its facts and remediation steps
 * (exact commands); acknowledge and silence per alert; active silences; notification channels (add, enable, test,
 * delete). Live: the list follows `alert.changed` pushes through {@link AlertsStore}.
 */
@Component({
  selector: 'prm-alerts-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, FormsModule, RouterLink],
  templateUrl: './alerts-page.component.html',
  styleUrl: './alerts-page.component.scss',
})
export class AlertsPageComponent {
  private readonly store = inject(AlertsStore);
  private readonly api = inject(AlertsApi);
  private readonly auth = inject(AuthService);

  /** Acknowledge and silence need the operator role; channels are admin business (the gateway enforces both). */
  protected readonly canAct = computed(() => this.auth.can('operator'));
  protected readonly canConfigure = computed(() => this.auth.can('admin'));
  /** Columns of the alerts table (the actions column only for those who may act). */
  protected readonly columnCount = computed(() => (this.canAct() ? 6 : 5));
  protected readonly kinds = KINDS;
  protected readonly channelKinds: ChannelKind[] = ['webhook', 'slack', 'sns', 'email'];
  protected readonly stateFilter = signal<AlertState | ''>('');
  protected readonly kindFilter = signal<AlertKind | ''>('');
  protected readonly expanded = signal<string | null>(null);
  protected readonly silenceMinutes = signal(60);
  protected readonly message = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly silences = signal<SilenceView[]>([]);
  protected readonly channels = signal<ChannelView[]>([]);
  protected readonly tests = signal<Record<string, ChannelTestResult>>({});
  protected readonly newChannel = { name: '', kind: 'webhook' as ChannelKind, config: CHANNEL_EXAMPLES.webhook };

  protected readonly loadError = this.store.error;
  protected readonly rows = computed(() =>
    (this.store.alerts() ?? []).filter(
      (a) =>
        (!this.stateFilter() || a.state === this.stateFilter()) && (!this.kindFilter() || a.kind === this.kindFilter()),
    ),
  );
  protected readonly counts = computed(() => {
    const all = this.store.alerts() ?? [];
    return {
      firing: all.filter((a) => a.state === 'firing').length,
      pending: all.filter((a) => a.state === 'pending').length,
      resolved: all.filter((a) => a.state === 'resolved').length,
      actionable: this.store.actionableCount(),
    };
  });
  protected readonly loaded = computed(() => this.store.alerts() !== null);

  constructor() {
    this.reloadSide();
  }

  protected isSilenced(a: AlertView): boolean {
    return a.silencedUntil !== null && Date.parse(a.silencedUntil) > Date.now();
  }

  protected actionable(a: AlertView): boolean {
    return isActionable(a);
  }

  protected toggle(a: AlertView): void {
    this.expanded.set(this.expanded() === a.id ? null : a.id);
  }

  protected acknowledge(a: AlertView): void {
    this.api.acknowledge(a.id).subscribe({
      next: () => this.done(`Acknowledged: ${a.summary}`),
      error: (e: ApiError) => this.fail(e),
    });
  }

  protected silence(a: AlertView): void {
    const minutes = this.silenceMinutes();
    this.api.silence({ alertId: a.id, minutes, reason: `silenced from the console for ${minutes} min` }).subscribe({
      next: () => this.done(`Silenced ${a.kind} on ${a.subject.name} for ${minutes} min`),
      error: (e: ApiError) => this.fail(e),
    });
  }

  protected endSilence(s: SilenceView): void {
    this.api
      .unsilence(s.id)
      .subscribe({ next: () => this.done('Silence ended'), error: (e: ApiError) => this.fail(e) });
  }

  protected exampleFor(kind: ChannelKind): void {
    this.newChannel.kind = kind;
    this.newChannel.config = CHANNEL_EXAMPLES[kind];
  }

  protected addChannel(): void {
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(this.newChannel.config) as Record<string, unknown>;
    } catch {
      this.error.set('The channel config is not valid JSON');
      return;
    }
    this.api.createChannel({ name: this.newChannel.name, kind: this.newChannel.kind, config }).subscribe({
      next: (c) => {
        this.newChannel.name = '';
        this.done(`Channel ${c.name} added`);
      },
      error: (e: ApiError) => this.fail(e),
    });
  }

  protected setEnabled(c: ChannelView, enabled: boolean): void {
    this.api.updateChannel(c.id, { enabled }).subscribe({
      next: () => this.done(`Channel ${c.name} ${enabled ? 'enabled' : 'disabled'}`),
      error: (e: ApiError) => this.fail(e),
    });
  }

  protected deleteChannel(c: ChannelView): void {
    this.api
      .deleteChannel(c.id)
      .subscribe({ next: () => this.done(`Channel ${c.name} deleted`), error: (e: ApiError) => this.fail(e) });
  }

  protected testChannel(c: ChannelView): void {
    this.api.testChannel(c.id).subscribe({
      next: (r) => this.tests.set({ ...this.tests(), [c.id]: r }),
      error: (e: ApiError) => this.fail(e),
    });
  }

  protected channelTarget(c: ChannelView): string {
    const cfg = c.config;
    switch (cfg.kind) {
      case 'webhook':
        return `${cfg.url}${cfg.secret ? ` (signed, secret ${cfg.secret.kind})` : ''}`;
      case 'slack':
        return cfg.url;
      case 'sns':
        return cfg.topicArn;
      case 'email':
        return `${cfg.to.join(', ')} via ${cfg.host}:${cfg.port}`;
    }
  }

  private done(message: string): void {
    this.message.set(message);
    this.error.set(null);
    this.store.refresh();
    this.reloadSide();
  }

  private fail(e: ApiError): void {
    const details = e.body.details.map((d) => `${d.field ? `${d.field}: ` : ''}${d.reason}`).join('; ');
    this.error.set(`${e.message}${details ? ` (${details})` : ''}`);
  }

  private reloadSide(): void {
    this.api.silences().subscribe({ next: (s) => this.silences.set(s), error: () => undefined });
    this.api.channels().subscribe({ next: (c) => this.channels.set(c), error: () => undefined });
  }
}

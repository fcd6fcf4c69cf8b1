import { DatePipe, DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { EMPTY, Subject, catchError, debounceTime, filter, forkJoin, map, merge, switchMap, tap } from 'rxjs';

import { ApiClient, ApiError } from '../core/api.client';
import { AuthService } from '../core/auth.service';
import { ProvisioningApi } from '../provisioning/provisioning.api';
import type { StreamDetailView, StreamMetricsView, TableSyncView } from '../core/contracts';
import { LiveUpdatesService } from '../core/live-updates.service';
import { REFETCH_DEBOUNCE_MS } from '../core/live-resource';
import { StateBadgeComponent } from '../shared/state-badge.component';
import { type StateView, formatBytes, formatDuration, levelView, streamStateView } from '../shared/state-presentation';
import { ThresholdsEditorComponent } from '../shared/thresholds-editor.component';
import { followRun, messageOf } from '../provisioning/follow-run';
import { LagChartComponent } from './lag-chart.component';
import { optionText } from './stream-options';

/** A pause or resume the page started, and how it went (`unknown`: started, then its run could not be read). */
interface StreamOperation {
  op: 'pause' | 'resume';
  state: 'running' | 'succeeded' | 'failed' | 'unknown';
  text: string;
}

/** How far back the lag chart looks, ms. */
const CHART_WINDOW_MS = 60 * 60 * 1000;

const TABLE_STATES: Record<TableSyncView['state'], StateView> = {
  i: { label: 'init', icon: 'sync', tone: 'muted', dashed: false, description: 'waiting for a sync worker' },
  d: { label: 'copying', icon: 'sync', tone: 'ok', dashed: false, description: 'initial data copy running' },
  f: { label: 'copied', icon: 'sync', tone: 'ok', dashed: false, description: 'copy finished, catching up' },
  s: {
    label: 'synchronized',
    icon: 'ok',
    tone: 'ok',
    dashed: false,
    description: 'synchronized with the apply worker',
  },
  r: { label: 'ready', icon: 'ok', tone: 'ok', dashed: false, description: 'normal replication' },
};

/**
 * One stream: state, lag and threshold level; publication, subscription and slot details; per-table sync state;
 * lag chart (last hour); replication errors with server timestamps; thresholds override. Refetched on pushes that
 * concern it (`stream.updated` naming it, `status.updated`, reconnect).
 */
@Component({
  selector: 'prm-stream-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    DatePipe,
    DecimalPipe,
    MatButtonModule,
    MatProgressBarModule,
    StateBadgeComponent,
    ThresholdsEditorComponent,
    LagChartComponent,
  ],
  templateUrl: './stream-page.component.html',
  styleUrl: './stream-page.component.scss',
})
export class StreamPageComponent {
  private readonly api = inject(ApiClient);
  private readonly live = inject(LiveUpdatesService);
  private readonly reload = new Subject<string>();

  /** Route parameter `:id`. */
  readonly id = input.required<string>();

  protected readonly stream = signal<StreamDetailView | null>(null);
  protected readonly metrics = signal<StreamMetricsView | null>(null);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly streamState = streamStateView;
  protected readonly level = levelView;
  protected readonly formatBytes = formatBytes;
  protected readonly formatDuration = formatDuration;
  /** Pause and resume need an operator (the gateway refuses viewers anyway). */
  private readonly auth = inject(AuthService);
  private readonly provisioning = inject(ProvisioningApi);
  protected readonly canOperate = computed(() => this.auth.can('operator'));
  /** The operation waiting for its confirmation click. */
  protected readonly confirming = signal<'pause' | 'resume' | null>(null);
  protected readonly operation = signal<StreamOperation | null>(null);

  protected readonly optionRows = computed(() =>
    Object.entries(this.stream()?.subscriptionDetail?.options ?? {}).map(([name, value]) => ({
      name,
      value: optionText(name, value),
    })),
  );
  protected readonly hasDrift = computed(() => {
    const d = this.stream()?.drift;
    return !!d && (d.missingOnSubscriber.length > 0 || d.notInPublication.length > 0);
  });

  constructor() {
    effect(() => this.reload.next(this.id()));
    const pushes = this.live.triggers$.pipe(
      filter(
        (t) =>
          t.kind === 'connected' ||
          t.message.type === 'status.updated' ||
          (t.message.type === 'stream.updated' && t.message.streamIds.includes(this.id())),
      ),
      map(() => this.id()),
    );
    const subscription = merge(this.reload, pushes)
      .pipe(
        debounceTime(REFETCH_DEBOUNCE_MS),
        switchMap((id) => {
          const to = new Date();
          const from = new Date(to.getTime() - CHART_WINDOW_MS);
          return forkJoin([
            this.api.getStream(id),
            this.api.streamMetrics(id, { from: from.toISOString(), to: to.toISOString() }),
          ]).pipe(
            tap(([stream, metrics]) => {
              this.stream.set(stream);
              this.metrics.set(metrics);
              this.error.set(null);
            }),
            catchError((err: ApiError) => {
              this.error.set(err);
              return EMPTY;
            }),
          );
        }),
      )
      .subscribe();
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  protected tableState(t: TableSyncView): StateView {
    return TABLE_STATES[t.state] ?? TABLE_STATES.i;
  }

  /**
   * Pauses or resumes the stream through a provisioning run (`ALTER SUBSCRIPTION ... DISABLE/ENABLE`, then waiting
   * for the apply worker), following the run until it finishes; then reloads the stream.
   */
  protected async runOperation(op: 'pause' | 'resume'): Promise<void> {
    this.confirming.set(null);
    const verb = op === 'pause' ? 'Pausing' : 'Resuming';
    this.operation.set({ op, state: 'running', text: `${verb}…` });
    try {
      const started = await this.provisioning.streamOperation(this.id(), op);
      const { run, lostTrack } = await followRun(started, (id) => this.provisioning.run(id));
      this.operation.set(
        lostTrack !== null
          ? {
              op,
              state: 'unknown',
              text:
                `${verb} started (run ${run.id.slice(0, 8)}, last seen ${run.state}), but its progress could not be ` +
                `read: ${lostTrack}. The state above shows the outcome after the next poll.`,
            }
          : run.state === 'succeeded'
            ? { op, state: 'succeeded', text: op === 'pause' ? 'Paused.' : 'Resumed.' }
            : { op, state: 'failed', text: `${verb} failed: ${run.error?.message ?? run.state}` },
      );
    } catch (err) {
      this.operation.set({ op, state: 'failed', text: `${verb} failed: ${messageOf(err)}` });
    }
    this.reload.next(this.id());
  }

  /** Refetch after a thresholds change (the level may change). */
  protected thresholdsChanged(): void {
    this.reload.next(this.id());
  }
}

import { DatePipe, DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';

import { AlertMarkerComponent } from '../alerts/alert-marker.component';
import { AlertsStore } from '../alerts/alerts.store';
import { AuthService } from '../core/auth.service';
import type { StreamView } from '../core/contracts';
import { StreamsStore } from '../core/streams.store';
import { TopologyStore } from '../core/topology.store';
import { StateBadgeComponent } from '../shared/state-badge.component';
import { formatBytes, formatDuration, levelView, streamStateView } from '../shared/state-presentation';
import { type SortDirection, type StreamSortKey, sortStreams } from './stream-sort';
import { streamsEmptyText } from './streams-empty';

/** Column headers in display order (key, label, unit note for screen readers). */
const COLUMNS: readonly { key: StreamSortKey; label: string }[] = [
  { key: 'subscription', label: 'Subscription' },
  { key: 'route', label: 'Source → target' },
  { key: 'state', label: 'State' },
  { key: 'lagBytes', label: 'Lag (bytes)' },
  { key: 'lagSeconds', label: 'Lag (time)' },
  { key: 'level', label: 'Threshold' },
  { key: 'backfill', label: 'Backfill' },
  { key: 'lastError', label: 'Last error' },
];

/**
 * Streams: every subscription prm sees, with state, lag (bytes and seconds), threshold level, backfill progress
 * and ETA, and the time of the last replication error. Sortable by any column; live via {@link StreamsStore}.
 */
@Component({
  selector: 'prm-streams-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [StateBadgeComponent, MatProgressBarModule, RouterLink, DatePipe, DecimalPipe, AlertMarkerComponent],
  templateUrl: './streams-page.component.html',
  styleUrl: './streams-page.component.scss',
})
export class StreamsPageComponent {
  private readonly store = inject(StreamsStore);
  private readonly router = inject(Router);
  private readonly auth = inject(AuthService);
  private readonly topology = inject(TopologyStore);
  /** Firing alerts by stream id (row markers). */
  protected readonly streamAlerts = inject(AlertsStore).firingByStream;

  /** Creating streams needs the operator role (the wizard's route and the gateway refuse viewers too). */
  protected readonly canCreate = computed(() => this.auth.can('operator'));
  protected readonly columns = COLUMNS;
  protected readonly error = this.store.error;
  protected readonly sortKey = signal<StreamSortKey>('subscription');
  protected readonly sortDirection = signal<SortDirection>('asc');
  protected readonly streamState = streamStateView;
  protected readonly level = levelView;
  protected readonly formatBytes = formatBytes;
  protected readonly formatDuration = formatDuration;

  protected readonly loaded = computed(() => this.store.streams() !== null);
  /** Why there is no row: loading, nothing registered, first poll pending, or no subscriptions. */
  protected readonly emptyText = computed(() =>
    streamsEmptyText(this.loaded(), this.topology.view()?.nodes ?? null, this.canCreate()),
  );
  protected readonly rows = computed(() =>
    sortStreams(this.store.streams() ?? [], this.sortKey(), this.sortDirection()),
  );
  protected readonly summary = computed(() => {
    const list = this.store.streams() ?? [];
    return {
      total: list.length,
      notStreaming: list.filter((s) => s.state !== 'streaming').length,
      overThreshold: list.filter((s) => s.level !== 'ok').length,
    };
  });

  constructor() {
    this.store.refresh();
    this.topology.refresh();
  }

  /** Sorts by a column; a second click on the same column reverses the order. */
  protected sortBy(key: StreamSortKey): void {
    if (this.sortKey() === key) {
      this.sortDirection.set(this.sortDirection() === 'asc' ? 'desc' : 'asc');
    } else {
      this.sortKey.set(key);
      this.sortDirection.set('asc');
    }
  }

  /** `aria-sort` of a header. */
  protected ariaSort(key: StreamSortKey): 'ascending' | 'descending' | 'none' {
    return this.sortKey() === key ? (this.sortDirection() === 'asc' ? 'ascending' : 'descending') : 'none';
  }

  /** Opens the Stream page (row click; the subscription link does the same for keyboard users). */
  protected openStream(stream: StreamView, event: MouseEvent): void {
    if ((event.target as HTMLElement | null)?.closest('a, button')) {
      return;
    }
    void this.router.navigate(['/streams', stream.id]);
  }

  /** One line for the backfill cell's screen-reader label. */
  protected backfillLabel(s: StreamView): string {
    const b = s.backfill;
    if (!b) {
      return 'no backfill running';
    }
    const eta = b.stalled ? 'stalled' : b.etaSeconds !== null ? `ETA ${formatDuration(b.etaSeconds)}` : 'ETA unknown';
    return `${b.percent.toFixed(1)} % copied, ${b.tablesDone} of ${b.tablesTotal} tables done, ${eta}`;
  }
}

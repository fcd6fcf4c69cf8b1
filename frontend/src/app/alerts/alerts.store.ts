import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { EMPTY, Subject, catchError, debounceTime, map, merge, startWith, switchMap, tap } from 'rxjs';

import type { AlertView } from '@prm/contracts/alert.js';
import { ApiError } from '../core/api.client';
import { LiveUpdatesService } from '../core/live-updates.service';
import { REFETCH_DEBOUNCE_MS } from '../core/topology.store';
import { AlertsApi } from './alerts.api';

/** True for a firing alert nobody acknowledged and no silence covers (what the header badge counts). */
export function isActionable(a: AlertView, now = Date.now()): boolean {
  return (
    a.state === 'firing' &&
    a.acknowledgedAt === null &&
    (a.silencedUntil === null || Date.parse(a.silencedUntil) <= now)
  );
}

function groupBy(alerts: AlertView[], key: (a: AlertView) => string[]): Map<string, AlertView[]> {
  const out = new Map<string, AlertView[]>();
  for (const a of alerts) {
    for (const k of key(a)) out.set(k, [...(out.get(k) ?? []), a]);
  }
  return out;
}

/**
 * The latest `GET /api/alerts` (open and recent history), refetched (debounced) on every live push (`alert.changed`,
 * `stream.updated`, ...) and after every WebSocket (re)connect. Feeds the Alerts page, the header badge and the
 * alert markers on topology nodes/edges and stream rows.
 */
@Injectable({ providedIn: 'root' })
export class AlertsStore {
  private readonly api = inject(AlertsApi);
  private readonly live = inject(LiveUpdatesService);
  private readonly listSignal = signal<AlertView[] | null>(null);
  private readonly errorSignal = signal<ApiError | null>(null);
  private readonly manual = new Subject<void>();

  /** Alerts as the API returned them (firing first); null until the first answer. */
  readonly alerts = this.listSignal.asReadonly();
  readonly error = this.errorSignal.asReadonly();
  /** Firing alerts, acknowledged or not. */
  readonly firing = computed(() => (this.listSignal() ?? []).filter((a) => a.state === 'firing'));
  /** The header badge: firing, not acknowledged, not silenced. */
  readonly actionableCount = computed(() => this.firing().filter((a) => isActionable(a)).length);
  /** Firing alerts by endpoint id (topology nodes). */
  readonly firingByEndpoint = computed(() => groupBy(this.firing(), (a) => a.endpointIds));
  /** Firing alerts by stream id (topology edges, stream rows). */
  readonly firingByStream = computed(() => groupBy(this.firing(), (a) => a.streamIds));

  constructor() {
    const subscription = merge(this.live.triggers$.pipe(map(() => undefined)), this.manual)
      .pipe(
        startWith(undefined),
        debounceTime(REFETCH_DEBOUNCE_MS),
        switchMap(() =>
          this.api.list().pipe(
            tap((list) => {
              this.listSignal.set(list);
              this.errorSignal.set(null);
            }),
            catchError((err: ApiError) => {
              this.errorSignal.set(err);
              return EMPTY;
            }),
          ),
        ),
      )
      .subscribe();
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  /** Asks for a refetch (debounced like pushes). */
  refresh(): void {
    this.manual.next();
  }
}

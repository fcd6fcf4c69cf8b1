import { Injectable, computed, inject } from '@angular/core';

import type { AlertView } from '@prm/contracts/alert.js';
import { liveResource } from '../core/live-resource';
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
  private readonly resource = liveResource<AlertView[]>(() => this.api.list());

  /** Alerts as the API returned them (firing first); null until the first answer. */
  readonly alerts = this.resource.value;
  readonly error = this.resource.error;
  /** Firing alerts, acknowledged or not. */
  readonly firing = computed(() => (this.alerts() ?? []).filter((a) => a.state === 'firing'));
  /** The header badge: firing, not acknowledged, not silenced. */
  readonly actionableCount = computed(() => this.firing().filter((a) => isActionable(a)).length);
  /** Firing alerts by endpoint id (topology nodes). */
  readonly firingByEndpoint = computed(() => groupBy(this.firing(), (a) => a.endpointIds));
  /** Firing alerts by stream id (topology edges, stream rows). */
  readonly firingByStream = computed(() => groupBy(this.firing(), (a) => a.streamIds));

  /** Asks for a refetch (debounced like pushes). */
  refresh(): void {
    this.resource.refresh();
  }
}

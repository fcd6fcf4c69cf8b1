import { Injectable, inject } from '@angular/core';
import { map } from 'rxjs';

import { ApiClient } from '../core/api.client';
import type { EndpointView } from '../core/contracts';
import { liveResource } from '../core/live-resource';

/**
 * `GET /api/endpoints`, refetched (debounced) on `endpoint.changed` pushes, on WebSocket (re)connect and after
 * every change made from this console.
 */
@Injectable({ providedIn: 'root' })
export class EndpointsStore {
  private readonly api = inject(ApiClient);
  private readonly resource = liveResource<EndpointView[]>(
    () => this.api.listEndpoints().pipe(map((list) => [...list].sort((a, b) => a.name.localeCompare(b.name)))),
    (t) => t.kind === 'connected' || t.message.type === 'endpoint.changed',
  );

  /** Endpoints sorted by name; null until the first answer. */
  readonly endpoints = this.resource.value;
  /** Last fetch error; cleared by the next successful fetch. */
  readonly error = this.resource.error;

  /** Asks for a refetch (debounced like pushes). */
  refresh(): void {
    this.resource.refresh();
  }
}

import { Injectable, computed, inject } from '@angular/core';

import { ApiClient } from './api.client';
import type { StreamView } from './contracts';
import { liveResource } from './live-resource';

/**
 * The latest `GET /api/streams`, refetched (debounced) on every push
 * (`stream.updated`, `status.updated`, `endpoint.changed`) and after every WebSocket (re)connect. Shared by the
 * Streams page and the topology map (edge labels: lag and threshold level).
 */
@Injectable({ providedIn: 'root' })
export class StreamsStore {
  private readonly api = inject(ApiClient);
  private readonly resource = liveResource<StreamView[]>(() => this.api.listStreams());

  /** Streams as the API returned them; null until the first answer. */
  readonly streams = this.resource.value;
  /** Last fetch error; cleared by the next successful fetch. */
  readonly error = this.resource.error;
  /** Streams by `<targetEndpointId>:<subscription>` (the topology edge id). */
  readonly byEdgeId = computed(
    () =>
      new Map<string, StreamView>(
        (this.streams() ?? []).map((s) => [`${s.targetEndpointId}:${s.subscription}`, s] as const),
      ),
  );

  /** Asks for a refetch (debounced like pushes). */
  refresh(): void {
    this.resource.refresh();
  }
}

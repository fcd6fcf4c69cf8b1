import { Injectable, computed, inject } from '@angular/core';

import { ApiClient } from './api.client';
import type { TopologyNode, TopologyView } from './contracts';
import { liveResource } from './live-resource';

/**
 * The latest `GET /api/topology`, refetched (debounced) on every `status.updated` / `endpoint.changed` push and
 * after every WebSocket (re)connect. Shared by the Topology page (graph) and the Endpoints page (status column).
 */
@Injectable({ providedIn: 'root' })
export class TopologyStore {
  private readonly api = inject(ApiClient);
  private readonly resource = liveResource<TopologyView>(() => this.api.topology());

  /** Last topology received; null until the first answer. */
  readonly view = this.resource.value;
  /** Last fetch error; cleared by the next successful fetch. */
  readonly error = this.resource.error;
  /** Nodes by endpoint id. */
  readonly nodesById = computed(() => new Map((this.view()?.nodes ?? []).map((n) => [n.id, n] as const)));

  /** Asks for a refetch (debounced like pushes). */
  refresh(): void {
    this.resource.refresh();
  }

  /** The node of an endpoint, if the topology knows it. */
  node(endpointId: string): TopologyNode | undefined {
    return this.nodesById().get(endpointId);
  }
}

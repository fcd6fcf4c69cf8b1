import { Injectable, computed, inject } from '@angular/core';

import { ApiClient } from './api.client';
import type { TopologyNode, TopologyView } from './contracts';
import { liveResource } from './live-resource';
import type { LiveTrigger } from './live-updates.service';

/** The pushes that can change the topology: endpoint statuses, endpoints added/edited/removed, and (re)connects. */
export function changesTopology(trigger: LiveTrigger): boolean {
  return (
    trigger.kind === 'connected' ||
    trigger.message.type === 'status.updated' ||
    trigger.message.type === 'endpoint.changed'
  );
}

/**
 * The latest `GET /api/topology`, refetched at once on every `status.updated` / `endpoint.changed` push and after
 * every WebSocket (re)connect (`immediate` pacing: the gateway already merges a poll's status pushes into one
 * message, so waiting again would only delay the repaint). The whole view is fetched even though `status.updated`
 * names the endpoints that changed: the API has no per-endpoint topology, and a node's reachability and its edges'
 * states are derived from its peers' snapshots too (`unreachable-from-prm`), so a partial view could be wrong.
 * Shared by the Topology page (graph) and the Endpoints page (status column).
 */
@Injectable({ providedIn: 'root' })
export class TopologyStore {
  private readonly api = inject(ApiClient);
  private readonly resource = liveResource<TopologyView>(() => this.api.topology(), changesTopology, 'immediate');

  /** Last topology received; null until the first answer. */
  readonly view = this.resource.value;
  /** Last fetch error; cleared by the next successful fetch. */
  readonly error = this.resource.error;
  /** Nodes by endpoint id. */
  readonly nodesById = computed(() => new Map((this.view()?.nodes ?? []).map((n) => [n.id, n] as const)));

  /** Asks for a refetch (at once, or right after the fetch in flight). */
  refresh(): void {
    this.resource.refresh();
  }

  /** The node of an endpoint, if the topology knows it. */
  node(endpointId: string): TopologyNode | undefined {
    return this.nodesById().get(endpointId);
  }
}

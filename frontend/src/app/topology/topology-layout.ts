import { signal } from '@angular/core';
import { DagreClusterLayout, type Edge, type Graph, type Layout } from '@swimlane/ngx-graph';
import type { Observable } from 'rxjs';

import type { TopologyView } from '../core/contracts';

/**
 * ngx-graph's dagre cluster layout with a run counter. ngx-graph 13 re-runs the full (synchronous) dagre layout
 * whenever its inputs change (shared/research/monitoring.md §4), so the console only asks for a layout when the set
 * of node/edge ids changes; {@link runs} lets the browser tests prove that a status change did not re-layout.
 */
export class CountingDagreClusterLayout implements Layout {
  private readonly inner = new DagreClusterLayout();
  private readonly runCount = signal(0);
  /** Number of layout runs since creation. */
  readonly runs = this.runCount.asReadonly();

  get settings(): unknown {
    return this.inner.settings;
  }
  set settings(value: unknown) {
    this.inner.settings = (value ?? {}) as DagreClusterLayout['settings'];
  }

  /** Runs dagre (synchronous; O(E²) tick afterwards) and counts the run. */
  run(graph: Graph): Graph | Observable<Graph> {
    this.runCount.update((n) => n + 1);
    return this.inner.run(graph);
  }

  /** Re-routes one edge after a node drag (no full layout). */
  updateEdge(graph: Graph, edge: Edge): Graph | Observable<Graph> {
    return this.inner.updateEdge(graph, edge);
  }
}

/**
 * Identity of the map's shape: sorted node ids with their group, and sorted edge ids with their ends.
 * Two views with the same signature lay out identically, so only a signature change needs a layout.
 */
export function topologySignature(view: TopologyView | null): string {
  if (!view) {
    return '';
  }
  const nodes = view.nodes.map((n) => `${n.id}@${n.group}`).sort();
  const edges = view.edges.map((e) => `${e.id}:${e.source}>${e.target}`).sort();
  return JSON.stringify([nodes, edges]);
}

/** Cluster id used for a node group (`cloud / region / network`). */
export function clusterId(group: string): string {
  return `group:${group}`;
}

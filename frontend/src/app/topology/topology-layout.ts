import { signal } from '@angular/core';
import {
  type ClusterNode,
  DagreClusterLayout,
  type Edge,
  type Graph,
  type Layout,
  type Node,
} from '@swimlane/ngx-graph';
import type { Observable } from 'rxjs';

import type { TopologyView } from '../core/contracts';

/** Space between a group box and its endpoints, px (top leaves room for the group label). */
const CLUSTER_PAD = { x: 16, top: 30, bottom: 14 };

/**
 * ngx-graph's dagre cluster layout with a run counter and group boxes fitted to their endpoints.
 * ngx-graph 13 re-runs the full (synchronous) dagre layout whenever its inputs change (shared/research/monitoring.md
 * §4), so the console only asks for a layout when the set of node/edge ids changes; {@link runs} lets the browser
 * tests prove that a status change did not re-layout. dagre 0.8 sizes compound nodes wrongly with `rankdir: LR`, so
 * each cluster's box is recomputed from its children's boxes after the layout.
 */
export class CountingDagreClusterLayout implements Layout {
  private readonly inner = new DagreClusterLayout();
  private readonly runCount = signal(0);
  /** Number of layout runs since creation. */
  readonly runs = this.runCount.asReadonly();
  private readonly ungroupedCount = signal(0);
  /** Layout runs that fell back to an ungrouped layout (dagre's compound ranking failed). */
  readonly ungroupedRuns = this.ungroupedCount.asReadonly();

  get settings(): unknown {
    return this.inner.settings;
  }
  set settings(value: unknown) {
    this.inner.settings = (value ?? {}) as DagreClusterLayout['settings'];
  }

  /**
   * Runs dagre (synchronous, `DagreClusterLayout.run` returns a Graph; O(E²) tick afterwards), fits the group boxes and
   * counts the run. dagre 0.8's compound (grouped) ranking crashes on some fleets ("Cannot set properties of undefined
   * (setting 'order')", seen with 15 groups and cross-group edges): then the endpoints are laid out without group
   * constraints and the group boxes drawn around them, so the map is always drawn ({@link ungroupedRuns} counts it).
   */
  run(graph: Graph): Graph | Observable<Graph> {
    this.runCount.update((n) => n + 1);
    const clusters = graph.clusters ?? [];
    try {
      return fitClusters(this.inner.run({ ...graph, clusters: [...clusters] }));
    } catch (err) {
      console.warn('grouped topology layout failed; drawing groups around an ungrouped layout', err);
      this.ungroupedCount.update((n) => n + 1);
      const laidOut = this.inner.run({ ...graph, clusters: [] });
      return fitClusters({ ...laidOut, clusters: clusters.map((c) => ({ ...c })) });
    }
  }

  /** Re-routes one edge after a node drag (no full layout). */
  updateEdge(graph: Graph, edge: Edge): Graph | Observable<Graph> {
    return this.inner.updateEdge(graph, edge);
  }
}

/** Sets each cluster's centre `position` and `dimension` to the bounding box of its child nodes plus padding. */
export function fitClusters(graph: Graph): Graph {
  const byId = new Map<string, Node>(graph.nodes.map((n) => [n.id, n]));
  for (const cluster of (graph.clusters ?? []) as ClusterNode[]) {
    const children = (cluster.childNodeIds ?? [])
      .map((id) => byId.get(id))
      .filter((n): n is Node => !!n?.position && !!n.dimension);
    if (!children.length) {
      continue;
    }
    const left = Math.min(...children.map((n) => n.position!.x - n.dimension!.width / 2)) - CLUSTER_PAD.x;
    const right = Math.max(...children.map((n) => n.position!.x + n.dimension!.width / 2)) + CLUSTER_PAD.x;
    const top = Math.min(...children.map((n) => n.position!.y - n.dimension!.height / 2)) - CLUSTER_PAD.top;
    const bottom = Math.max(...children.map((n) => n.position!.y + n.dimension!.height / 2)) + CLUSTER_PAD.bottom;
    cluster.position = { x: (left + right) / 2, y: (top + bottom) / 2 };
    cluster.dimension = { width: right - left, height: bottom - top };
  }
  return graph;
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
